using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Losses;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Tests.Data;
using MultiTask.Tests.Training;
using MultiTask.Training;

namespace MultiTask.Tests.Docs;

public class ExtendingExamplesTests
{
    private static readonly string[] PriceFeatures = ["sqft", "beds", "baths"];

    /// <summary>Sacramento houses: a Gaussian task on ln(price) − 12 and price in thousands.</summary>
    private static (EncodedData Train, EncodedData Validation) GaussianData()
    {
        var sacramento = TestData.Sacramento();
        var rows = Enumerable.Range(0, sacramento.RowCount).Where(r => sacramento.IsLabeled("house", r)).ToArray();
        double[] Column(string feature) => rows.Select(r => sacramento.NumericValues(feature)[r]).ToArray();
        var price = rows.Select(r => sacramento.TargetValues("house")[r]).ToArray();
        var table = new Table("houses")
            .Add("sqft", Column("sqft")).Add("beds", Column("beds")).Add("baths", Column("baths"))
            .Add("log_price", price.Select(p => Math.Log(p) - 12).ToArray())
            .Add("price_k", price.Select(p => p / 1000).ToArray());
        var schema = new FeatureSchema().Numeric("sqft").Numeric("beds").Numeric("baths");
        TaskSpec[] tasks =
        [
            ExtendingUsage.GaussianTask(),
            TaskSpec.Regression("price_k", PriceFeatures),
        ];
        var (train, validation, _) = MultiTaskDataset.FromTable(schema, tasks, table).Split(seed: 3, validation: 0.2);
        var encoder = FeatureEncoder.Fit(train);
        return (encoder.Transform(train), encoder.Transform(validation));
    }

    [Fact]
    public void MeanLogVarianceLoss_equals_the_hand_computed_gaussian_nll()
    {
        var input = Tensor.FromArray([1f, 0f, 2f, MathF.Log(4f)], 2, 2);
        var target = Tensor.FromArray([1.5f, 0f, 0f, 0f], 2, 2);
        // Row 0: ½(0 + 0.25/1) = 0.125; row 1: ½(ln 4 + 4/4).
        double row0 = 0.125, row1 = 0.5 * (Math.Log(4) + 1);

        new MeanLogVarianceLoss().Forward(input, target).Item().Should().BeApproximately((float)((row0 + row1) / 2), 1e-6f);
        new MeanLogVarianceLoss(Reduction.Sum).Forward(input, target).Item().Should().BeApproximately((float)(row0 + row1), 1e-6f);
        new MeanLogVarianceLoss().Forward(input, target, Tensor.FromArray([1f, 0f], 2, 1)).Item().Should().BeApproximately(0.125f, 1e-6f);
    }

    [Fact]
    public void MeanLogVarianceLoss_gradient_is_zero_for_a_masked_row_even_with_a_nan_target()
    {
        var input = Tensor.FromArray([1f, 0f, 2f, 0.5f], 2, 2);
        input.RequiresGrad = true;
        var target = Tensor.FromArray([1.5f, 0f, float.NaN, 0f], 2, 2);
        new MeanLogVarianceLoss().Forward(input, target, Tensor.FromArray([1f, 0f], 2, 1)).Backward();
        var g = input.Grad!.ToArray();
        // d/dμ = (μ − y)/σ² = −0.5, d/ds = ½(1 − (y − μ)²/σ²) = 0.375 for row 0; row 1 is masked.
        g.Should().Equal([-0.5f, 0.375f, 0f, 0f]);
    }

    [Fact]
    public void MeanLogVarianceLoss_rejects_an_output_that_is_not_mean_and_log_variance()
    {
        var act = () => new MeanLogVarianceLoss().Forward(Tensor.Zeros(4, 3), Tensor.Zeros(4, 3));
        act.Should().Throw<ArgumentException>().WithMessage("*input [batch, 2] (mean, log-variance)*got [4, 3]*");
    }

    [Fact]
    public void GaussianHead_trains_as_a_custom_task_next_to_a_regression_task()
    {
        var (train, validation) = GaussianData();
        var model = ExtendingUsage.GaussianModel(train.Encoder, new Generator(5));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 25, Seed = 1, Optimizer = new AdamOptions { LearningRate = 1e-2 } });

        trainer.Fit(train, validation);

        model.StateDict().Keys.Should().Contain(["heads.price.hidden.weight", "heads.price.output.weight", "heads.price.output.bias"]);
        model.TaskParameters("price").Should().HaveCount(4);
        // A Gaussian with the validation prices' own mean and variance scores ½(ln σ² + 1); using the features must beat it.
        var labels = Enumerable.Range(0, validation.RowCount).Select(i => (double)validation.Targets("price")[i, 0]).ToArray();
        double variance = labels.Select(y => (y - labels.Average()) * (y - labels.Average())).Average();
        trainer.History.Series("val_loss.price")[^1].Should().BeLessThan(0.5 * (Math.Log(variance) + 1) - 0.1);
        var predicted = trainer.Predict(validation)["price"];
        predicted.Shape.Should().Equal([validation.RowCount, 2]);
        // ±2σ should cover most validation prices once the variance is learned.
        var targets = validation.Targets("price").ToArray();
        int covered = 0;
        for (int i = 0; i < validation.RowCount; i++)
        {
            double sigma = Math.Exp(0.5 * predicted[i, 1]);
            if (Math.Abs(targets[i] - predicted[i, 0]) <= 2 * sigma) covered++;
        }
        ((double)covered / validation.RowCount).Should().BeInRange(0.8, 1.0);
    }

    [Fact]
    public void InitialLossWeighting_reports_one_over_the_first_loss_in_the_history()
    {
        var (train, validation) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 3, Weighting = new InitialLossWeighting() });

        trainer.Fit(train, validation);

        var initial = trainer.WeightingContext.InitialLosses;
        initial.Should().OnlyContain(l => l > 0);
        foreach (var record in trainer.History.Records)
        {
            record["weight.a"].Should().BeApproximately(1 / initial[0]!.Value, 1e-9);
            record["weight.b"].Should().BeApproximately(1 / initial[1]!.Value, 1e-9);
        }
        trainer.History.Records[^1]["loss"].Should().BeLessThan(trainer.History.Records[0]["loss"]);
    }

    [Fact]
    public void TaskEncoderModel_partitions_its_parameters_and_its_loss_decreases()
    {
        var (trainSet, validationSet, _) = TestData.Sacramento().Split(seed: 1, validation: 0.2);
        var encoder = FeatureEncoder.Fit(trainSet);
        var model = new TaskEncoderModel(ModelInput.From(encoder), hiddenSize: 16, new Generator(2));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 15, Optimizer = new AdamOptions { LearningRate = 1e-2 } });

        trainer.Fit(encoder.Transform(trainSet), encoder.Transform(validationSet));

        model.StateDict().Keys.Should().Contain(["encoders.house.weight", "encoders.condo.weight", "trunk.weight", "heads.condo.0.bias"]);
        ((Engine.NN.Linear)model.NamedModules().Single(m => m.Key == "encoders.condo").Value).InFeatures
            .Should().Be(encoder.TaskColumns("condo").Count);
        var partition = model.SharedParameters().Concat(model.TaskParameters("house")).Concat(model.TaskParameters("condo")).ToList();
        var all = model.Parameters().ToList();
        partition.Should().HaveCount(all.Count);
        all.Should().OnlyContain(p => partition.Any(q => ReferenceEquals(p, q)));
        var loss = trainer.History.Series("loss");
        loss[^1].Should().BeLessThan(0.7 * loss[0]);
    }

    [Fact]
    public void MeanAbsolutePercentageError_matches_a_hand_computation_and_ignores_masked_rows()
    {
        var mape = new MeanAbsolutePercentageError();
        mape.Update([110f, 90f, 50f], [100f, 100f, 0f], [1f, 1f, 0f]);
        mape.Result().Should().BeApproximately(10.0, 1e-9);
        mape.Clone().Result().Should().Be(double.NaN);
        var act = () => mape.Update([1f], [0f]);
        act.Should().Throw<ArgumentException>().WithMessage("*target 0 at row 0*");
    }

    [Fact]
    public void MeanAbsolutePercentageError_is_reported_by_the_trainer_in_user_units()
    {
        TaskSpec[] tasks =
        [
            ExtendingUsage.WithPercentageError("a", TrainingData.Features),
            TaskSpec.Regression("b", TrainingData.Features),
        ];
        var trainSet = TrainingData.Dataset(120, 11, tasks).Data;
        var encoder = FeatureEncoder.Fit(trainSet);
        var train = encoder.Transform(trainSet);
        var validation = encoder.Transform(TrainingData.Dataset(40, 12, tasks).Data);
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 2 });

        trainer.Fit(train, validation);

        var predicted = trainer.Predict(validation)["a"].ToArray();
        var targets = encoder.InverseTarget("a", validation.Targets("a").ToArray());
        var mask = validation.Mask("a").ToArray();
        double sum = 0;
        int n = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) continue;
            sum += Math.Abs((predicted[i] - (double)targets[i]) / targets[i]);
            n++;
        }
        trainer.Evaluate(validation)["a"]["mape"].Should().BeApproximately(100 * sum / n, 1e-3);
        trainer.History.Records[^1].Values.Should().ContainKey("a.mape");
    }

    [Fact]
    public void StopBelow_is_called_once_per_epoch_and_stops_at_the_first_epoch_under_the_threshold()
    {
        var (train, validation) = TrainingData.Encoded();
        var full = new StopBelow("val_loss", double.NegativeInfinity);
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 8, Callbacks = [full] });
        var report = trainer.Fit(train, validation);
        full.EpochsSeen.Should().Be(8);
        report.StopReason.Should().Be(TrainingStopReason.Completed);

        var losses = trainer.History.Series("val_loss");
        double threshold = (losses[3] + losses[4]) / 2;
        int expected = Array.FindIndex(losses, l => l < threshold) + 1;
        var stop = new StopBelow("val_loss", threshold);
        var again = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 8, Callbacks = [stop] });
        var stopped = again.Fit(train, validation);

        stopped.StopReason.Should().Be(TrainingStopReason.StopRequested);
        stopped.EpochsCompleted.Should().Be(expected).And.BeLessThan(8);
        stop.EpochsSeen.Should().Be(expected);
    }

    [Fact]
    public void StopBelow_with_an_unknown_monitor_fails_before_training()
    {
        var (train, _) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Callbacks = [new StopBelow("val_loss", 1)] });
        var act = () => trainer.Fit(train);
        act.Should().Throw<ArgumentException>().WithMessage("*Cannot monitor 'val_loss'*");
        trainer.EpochsCompleted.Should().Be(0);
    }
}
