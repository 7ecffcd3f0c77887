using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Tests.Data;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Training;

/// <summary>Settings that training must honour or refuse, never ignore: task weights, monitors, reused strategies, skipped epochs.</summary>
public class TrainerSettingsTests
{
    private static (EncodedData Data, FeatureEncoder Encoder) Housing(Func<TaskSpec, TaskSpec>? adjust = null)
    {
        var tasks = TestData.HousingTasks().Select(adjust ?? (t => t)).ToArray();
        var data = MultiTaskDataset.Concat(
            MultiTaskDataset.FromTable(TestData.HousingSchema(), tasks, TestData.Houses(), new TableOptions { Labels = ["house"] }),
            MultiTaskDataset.FromTable(TestData.HousingSchema(), tasks, TestData.Apartments(), new TableOptions { Labels = ["apartment"] }));
        var encoder = FeatureEncoder.Fit(data);
        return (encoder.Transform(data), encoder);
    }

    private static Dictionary<string, float[]> HeadChange(double houseWeight)
    {
        var (data, encoder) = Housing(t => t.Name == "house" ? t with { Weight = houseWeight } : t);
        var model = MultiTaskModel.HardSharing(encoder.Width, [("house", 1), ("apartment", 1)], backbone: [4], generator: new Generator(3));
        var before = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        var options = new TrainerOptions { Epochs = 1, BatchSize = TrainerOptions.FullBatch, Optimizer = new SgdOptions { LearningRate = 0.1 }, Seed = 1 };
        new MultiTaskTrainer(model, options).Fit(data);
        return model.StateDict().Where(kv => kv.Key.StartsWith("heads.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value.ToArray().Zip(before[kv.Key], (a, b) => a - b).ToArray());
    }

    [Fact]
    public void Task_weight_multiplies_the_task_loss_in_training()
    {
        // One full-batch SGD step from the same start: the house head's gradient is Weight·∂L/∂head, the
        // apartment head's does not depend on the house weight. Before, Weight was ignored (all equal).
        var one = HeadChange(1);
        var two = HeadChange(2);
        var zero = HeadChange(0);
        foreach (var key in one.Keys.Where(k => k.StartsWith("heads.house.", StringComparison.Ordinal)))
        {
            one[key].Should().Contain(d => Math.Abs(d) > 1e-6f);
            for (int i = 0; i < one[key].Length; i++)
            {
                two[key][i].Should().BeApproximately(2 * one[key][i], 1e-5f + 1e-3f * Math.Abs(one[key][i]));
                zero[key][i].Should().Be(0, "a task of weight 0 contributes no gradient");
            }
        }
        foreach (var key in one.Keys.Where(k => k.StartsWith("heads.apartment.", StringComparison.Ordinal)))
            two[key].Should().Equal(one[key]);
    }

    [Fact]
    public void Task_weight_shows_in_the_recorded_weight_but_not_in_the_losses()
    {
        var (data, encoder) = Housing(t => t.Name == "house" ? t with { Weight = 3 } : t);
        var model = MultiTaskModel.HardSharing(encoder.Width, [("house", 1), ("apartment", 1)], backbone: [4], generator: new Generator(3));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 1, BatchSize = TrainerOptions.FullBatch });
        var first = trainer.Evaluate(data)["house"].Loss;
        var record = trainer.Fit(data).History[0];
        record["weight.house"].Should().Be(3);
        record["weight.apartment"].Should().Be(1);
        record["loss.house"].Should().BeApproximately(first, 1e-5, "the full batch's training loss is the unweighted loss before the step");
    }

    [Fact]
    public void Early_stopping_on_a_task_without_validation_labels_fails_at_the_start()
    {
        var (data, encoder) = Housing();
        var housesOnly = encoder.Transform(TestData.Housing().Subset([0, 1, 2, 3]));
        var model = MultiTaskModel.HardSharing(encoder.Width, [("house", 1), ("apartment", 1)], backbone: [4], generator: new Generator(3));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 20, Callbacks = [new EarlyStopping("apartment.rmse", patience: 2)] });
        // Before: the monitor read NaN every epoch and training stopped after 2 epochs without a word.
        FluentActions.Invoking(() => trainer.Fit(data, housesOnly)).Should().Throw<ArgumentException>()
            .WithMessage("Cannot monitor 'apartment.rmse' in this run: task 'apartment' has no labels in the validation data (4 rows)*Monitorable values:*house.rmse*");
        trainer.EpochsCompleted.Should().Be(0);
    }

    [Fact]
    public void An_epoch_whose_batches_were_all_skipped_records_loss_NaN_not_0()
    {
        // Untransformed targets of 1e30 give an infinite float32 squared error in every batch.
        var tasks = new[] { TaskSpec.Regression("y", ["x"]) with { TargetTransform = TargetTransform.None } };
        var raw = MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x"), tasks, new double[,] { { 1 }, { 2 }, { 3 }, { 4 } }, ["x"],
            new Dictionary<string, double[]> { ["y"] = [1e30, 2e30, 3e30, 4e30] });
        var encoder = FeatureEncoder.Fit(raw);
        var model = MultiTaskModel.HardSharing(encoder.Width, [("y", 1)], backbone: [4], generator: new Generator(1));
        var report = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 1, BatchSize = 2, TerminateOnNonFinite = false }).Fit(encoder.Transform(raw));
        var record = report.History[0];
        record["steps"].Should().Be(0);
        record["skipped_steps"].Should().Be(2);
        double.IsNaN(record["loss"]).Should().BeTrue("nothing was measured; 0 would look like a perfect epoch");
    }

    [Fact]
    public void A_weighting_strategy_refuses_a_second_trainer()
    {
        var (data, encoder) = Housing();
        MultiTaskModel Build() => MultiTaskModel.HardSharing(encoder.Width, [("house", 1), ("apartment", 1)], backbone: [4], generator: new Generator(3));
        var options = new TrainerOptions { Epochs = 2, Weighting = new UncertaintyWeighting() };
        new MultiTaskTrainer(Build(), options).Fit(data);
        // Before: the second trainer silently started from the first run's learned log-variances.
        FluentActions.Invoking(() => new MultiTaskTrainer(Build(), options)).Should().Throw<InvalidOperationException>()
            .WithMessage("This UncertaintyWeighting instance is already bound to another training run*Give each trainer its own strategy*");
        FluentActions.Invoking(() => new MultiTaskTrainer(Build(), options with { Weighting = new UncertaintyWeighting() }).Fit(data)).Should().NotThrow();
    }
}
