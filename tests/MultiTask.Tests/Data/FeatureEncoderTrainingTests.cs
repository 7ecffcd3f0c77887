using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;

namespace MultiTask.Tests.Data;

/// <summary>The encoder's target handling seen through a short trainer run.</summary>
public class FeatureEncoderTrainingTests
{
    [Fact]
    public void Trainer_refuses_a_model_task_without_training_labels()
    {
        var houses = TestData.Housing().Subset([0, 1, 2, 3]);
        var encoder = FeatureEncoder.Fit(houses);
        var model = MultiTaskModel.HardSharing(encoder.Width, [("house", 1), ("apartment", 1)], backbone: [4], generator: new Generator(1));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 1 });
        FluentActions.Invoking(() => trainer.Fit(encoder.Transform(houses)))
            .Should().Throw<ArgumentException>().WithMessage("Task 'apartment' has no labels in the training data (4 rows)*build the model without it*");

        var houseOnly = MultiTaskModel.HardSharing(encoder.Width, [("house", 1)], backbone: [4], generator: new Generator(1));
        new MultiTaskTrainer(houseOnly, new TrainerOptions { Epochs = 1 }).Fit(encoder.Transform(houses)).EpochsCompleted.Should().Be(1);
    }

    [Fact]
    public void Metrics_of_a_log_target_are_in_user_units_through_the_full_inverse()
    {
        var g = new Generator(3);
        int n = 64;
        var x = new double[n, 1];
        var price = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i, 0] = g.NextNormal();
            price[i] = 200e3 * Math.Exp(0.4 * x[i, 0] + 0.1 * g.NextNormal());
        }
        var task = TaskSpec.Regression("price", ["x"]) with { TargetTransform = TargetTransform.Log };
        var data = MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x"), [task], x, ["x"], new Dictionary<string, double[]> { ["price"] = price });
        var encoder = FeatureEncoder.Fit(data);
        var encoded = encoder.Transform(data);
        var model = MultiTaskModel.HardSharing(encoder.Width, [("price", 1)], backbone: [8], generator: new Generator(2));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 3, BatchSize = 16, Seed = 4 });
        trainer.Fit(encoded);

        // Independent inverse of the raw network output: exp(z * std + mean), compared with the raw labels.
        model.Eval();
        var z = model.Forward(encoded.Features)["price"].ToArray();
        var s = encoder.TargetStatistics("price")!.Value;
        double squares = 0;
        for (int i = 0; i < n; i++)
        {
            double dollars = Math.Exp(z[i] * s.Std + s.Mean);
            squares += (dollars - price[i]) * (dollars - price[i]);
        }
        double rmse = Math.Sqrt(squares / n);
        rmse.Should().BeGreaterThan(1000, "an error in dollars, not in log units");
        trainer.Evaluate(encoded)["price"]["rmse"].Should().BeApproximately(rmse, rmse * 1e-4);
        var predicted = trainer.Predict(encoded)["price"].ToArray();
        predicted[0].Should().BeApproximately((float)Math.Exp(z[0] * s.Std + s.Mean), 1f);
    }

    [Fact]
    public void Sacramento_with_bins_a_shared_log_price_and_folds_over_condos_trains_in_dollars()
    {
        var schema = new FeatureSchema()
            .Numeric("beds").Numeric("baths", NumericEncoding.Robust)
            .Numeric("sqft", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 8, Log = true })
            .Numeric("latitude", NumericEncoding.Quantile).Numeric("longitude", NumericEncoding.Quantile)
            .Categorical("city", "SACRAMENTO", "ELK_GROVE", "ROSEVILLE");
        var tasks = TestData.SacramentoTasks().Select(t => t with { TargetTransform = TargetTransform.Log, TargetGroup = "price" }).ToArray();
        var data = MultiTaskDataset.FromCsv(TestData.SacramentoPath, schema, tasks, TestData.ByType);
        var (train, validation) = data.KFold(5, 1, holdOutTasks: ["condo"])[0];
        validation.LabelCount("house").Should().Be(0, "only condos are held out");
        var encoder = FeatureEncoder.Fit(train);
        encoder.Block("sqft").Width.Should().Be(8);
        encoder.TargetStatistics("condo").Should().Be(encoder.TargetStatistics("house"));

        var model = MultiTaskModel.HardSharing(encoder.Width, [("house", 1), ("condo", 1)], backbone: [16], generator: new Generator(1));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 2, Seed = 1 });
        trainer.Fit(encoder.Transform(train));
        var result = trainer.Evaluate(encoder.Transform(validation));
        result["condo"].LabelCount.Should().Be(validation.LabelCount("condo"));
        result["condo"]["rmse"].Should().BeInRange(1e3, 1e6, "a price error in dollars, finite");
    }
}
