using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;
using MultiTask.Tasks;
using MultiTask.Training;

namespace MultiTask.Tests.Metrics;

public class GroupEvaluationTests
{
    /// <summary>Price rises with x; the "north" rows are noisier, so a model fitted to both serves them worse.</summary>
    private static MultiTaskDataset Data()
    {
        var g = new Generator(4);
        int n = 200;
        var x = new double[n];
        var zone = new string?[n];
        var y = new double[n];
        var high = new double[n];
        for (int r = 0; r < n; r++)
        {
            x[r] = g.NextNormal();
            zone[r] = r % 10 == 9 ? null : r % 2 == 0 ? "north" : "south";
            y[r] = 2 * x[r] + (zone[r] == "north" ? 1.5 : 0.2) * g.NextNormal();
            high[r] = y[r] > 0 ? 1 : 0;
        }
        var table = new Table().Add("x", x).Add("zone", zone).Add("y", y).Add("high", high);
        return MultiTaskDataset.FromTable(new FeatureSchema().Numeric("x").Categorical("zone", "north", "south"),
            [TaskSpec.Regression("y", ["x"]), TaskSpec.Binary("high", ["x"])], table);
    }

    private static (MultiTaskTrainer Trainer, FeatureEncoder Encoder) Fitted(MultiTaskDataset data)
    {
        var encoder = FeatureEncoder.Fit(data);
        var trainer = new MultiTaskTrainer(MultiTaskModel.HardSharing(encoder, backbone: [8], generator: new Generator(1)),
            new TrainerOptions { Epochs = 20, BatchSize = 50, Seed = 2 });
        trainer.Fit(encoder.Transform(data));
        return (trainer, encoder);
    }

    [Fact]
    public void The_group_robust_example_trains_with_the_zones_as_groups()
    {
        var data = Data();
        var encoder = FeatureEncoder.Fit(data);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [8], generator: new Generator(1));
        var train = encoder.Transform(data).WithGroups(data.CategoricalValues("zone"));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { GroupDro = new GroupDro(stepSize: 0.01) });
        trainer.Fit(train);
        var weights = trainer.Options.GroupDro!.Weights("y");   // where the weight went, per group

        weights.Keys.Should().Equal("(missing)", "north", "south");
        // The north zone's labels are the noisiest, so its loss stays highest and it gains weight.
        weights["north"].Should().BeGreaterThan(weights["south"]);
    }

    [Fact]
    public void Each_group_is_scored_on_its_own_rows_and_the_noisier_group_is_the_worst()
    {
        var data = Data();
        var (trainer, encoder) = Fitted(data);
        var byZone = GroupEvaluation.Evaluate(data, "zone", d => trainer.Evaluate(encoder.Transform(d)));

        // Each group's RMSE by hand, from the predictions on every row.
        var predicted = trainer.Predict(encoder.Transform(data))["y"].ToArray();
        double Rmse(Func<string?, bool> inGroup) => Math.Sqrt(Enumerable.Range(0, data.RowCount).Where(r => inGroup(data.CategoricalValues("zone")[r]))
            .Average(r => Math.Pow(predicted[r] - data.TargetValues("y")[r], 2)));
        double north = Rmse(z => z == "north"), south = Rmse(z => z == "south"), missing = Rmse(z => z is null);

        byZone.Groups.Keys.Should().BeEquivalentTo(["(missing)", "north", "south"]);
        byZone.Values("y", "rmse")["north"].Should().BeApproximately(north, 1e-4);
        byZone.Values("y", "rmse")["south"].Should().BeApproximately(south, 1e-4);
        byZone.Values("y", "rmse")["(missing)"].Should().BeApproximately(missing, 1e-4);
        byZone.Gap("y", "rmse").Should().BeApproximately(new[] { north, south, missing }.Max() - new[] { north, south, missing }.Min(), 1e-4);
        byZone.WorstGroup("y", "rmse").Should().Be("north", "its labels carry 1.5 of noise against 0.2");
        byZone.WorstGroup("high", "accuracy").Should().Be(byZone.Values("high", "accuracy").MinBy(v => v.Value).Key, "accuracy is higher-is-better");
        byZone.ToString().Should().Contain("y.rmse by zone").And.Contain("worst north");
    }

    [Fact]
    public void Groups_may_come_from_outside_the_features_and_mistakes_are_named()
    {
        var data = Data();
        var (trainer, encoder) = Fitted(data);
        string?[] half = [.. Enumerable.Range(0, data.RowCount).Select(r => r < 100 ? "first" : "second")];
        GroupEvaluation.Evaluate(data, half, d => trainer.Evaluate(encoder.Transform(d)), "half").Groups["first"]["y"].LabelCount.Should().Be(100);

        var act = () => GroupEvaluation.Evaluate(data, "x", d => trainer.Evaluate(encoder.Transform(d)));
        act.Should().Throw<ArgumentException>().WithMessage("*'x' is not a categorical feature*");
        act = () => GroupEvaluation.Evaluate(data, half[..10], d => trainer.Evaluate(encoder.Transform(d)));
        act.Should().Throw<ArgumentException>().WithMessage("*10 values*200 rows*");
    }
}
