using FluentAssertions;
using MultiTask.Data;
using MultiTask.Tasks;
using MultiTask.Tests.Transfer;

namespace MultiTask.Tests.Data;

public class FeatureEncoderNewTasksTests
{
    [Fact]
    public void WithTasks_KeepsTheInputEncodingAndOldTargets_FitsTheNewTarget()
    {
        var encoder = FeatureEncoder.Fit(TransferData.Dataset(["a", "b"], ["a", "b"], 50, seed: 1));
        var newTrain = TransferData.Dataset(["a", "c"], ["c"], 40, seed: 2, offset: 10);

        var grown = encoder.WithTasks(newTrain);

        grown.Tasks.Select(t => t.Name).Should().Equal("a", "c");
        grown.ColumnNames.Should().Equal(encoder.ColumnNames);
        grown.FeatureStatistics("x1").Should().Be(encoder.FeatureStatistics("x1"));
        grown.TargetStatistics("a").Should().Be(encoder.TargetStatistics("a"));
        var labels = newTrain.TargetValues("c").ToArray();
        grown.TargetStatistics("c")!.Value.Mean.Should().BeApproximately(labels.Average(), 1e-9);
        // The same raw rows encode to the same inputs under both encoders.
        var rows = TransferData.Dataset(["a", "b"], ["a"], 10, seed: 3);
        var same = TransferData.Dataset(["a", "c"], ["a"], 10, seed: 3);
        grown.Transform(same).Features.ToArray().Should().Equal(encoder.Transform(rows).Features.ToArray());
    }

    [Fact]
    public void WithTasks_ANewTaskInAnOldGroup_TakesTheGroupsScale()
    {
        TaskSpec Priced(string name) => TransferData.Task(name) with { TargetGroup = "price" };
        var x = new double[][] { [1, 2, 3], [2, 1, 0], [0, 0, 1], [3, 1, 2] };
        var old = MultiTaskDataset.FromArrays(TransferData.Schema(), [Priced("a")], x, TransferData.Features,
            new Dictionary<string, double[]> { ["a"] = [10, 12, 14, 16] });
        var encoder = FeatureEncoder.Fit(old);
        var added = MultiTaskDataset.FromArrays(TransferData.Schema(), [Priced("a"), Priced("c")], x, TransferData.Features,
            new Dictionary<string, double[]> { ["c"] = [100, 200, 300, 400] }, new TableOptions { Labels = ["c"] });

        var grown = encoder.WithTasks(added);

        grown.TargetStatistics("c").Should().Be(encoder.TargetStatistics("a"));
    }

    [Fact]
    public void WithTasks_ANewTaskOmittingAFeatureTheBackboneNeverSawMissing_IsRefusedByName()
    {
        var encoder = FeatureEncoder.Fit(TransferData.Dataset(["a", "b"], ["a", "b"], 50, seed: 1));
        encoder.Block("x3").HasPresence.Should().BeFalse();

        var act = () => encoder.WithTasks(TransferData.Dataset(["a", "d"], ["d"], 40, seed: 2));

        act.Should().Throw<ArgumentException>().WithMessage("*Task 'd' does not read feature 'x3'*no presence column*List it among the task's features*");
    }

    [Fact]
    public void WithTasks_ANewTaskOmittingAFeatureWithAPresenceColumn_IsAccepted()
    {
        // d does not read x3; a source where some task already lacked x3 gave it a presence column.
        var encoder = FeatureEncoder.Fit(TransferData.Dataset(["a", "d"], ["a", "d"], 50, seed: 1));
        encoder.Block("x3").HasPresence.Should().BeTrue();

        var grown = encoder.WithTasks(TransferData.Dataset(["d", "c"], ["c"], 40, seed: 2));

        grown.ColumnNames.Should().Equal(encoder.ColumnNames);
    }

    [Fact]
    public void WithTasks_AnotherSchema_OrAChangedTask_OrANewTaskWithoutLabels_IsRefused()
    {
        var encoder = FeatureEncoder.Fit(TransferData.Dataset(["a", "b"], ["a", "b"], 50, seed: 1));

        var schema = new FeatureSchema().Numeric("x1").Numeric("x2");
        var otherSchema = MultiTaskDataset.FromArrays(schema, [TaskSpec.Regression("c", ["x1", "x2"])], [[1.0, 2.0], [2.0, 3.0]], ["x1", "x2"],
            new Dictionary<string, double[]> { ["c"] = [1, 2] });
        var act = () => encoder.WithTasks(otherSchema);
        act.Should().Throw<ArgumentException>().WithMessage("*schema*differs*encoder's schema*");

        var changed = MultiTaskDataset.FromArrays(TransferData.Schema(), [TaskSpec.Binary("a", TransferData.Features)], [[1.0, 2, 3], [2.0, 1, 0]],
            TransferData.Features, new Dictionary<string, double[]> { ["a"] = [0, 1] });
        act = () => encoder.WithTasks(changed);
        act.Should().Throw<ArgumentException>().WithMessage("*Task 'a' is a task of the encoder*Binary*Regression*");

        act = () => encoder.WithTasks(TransferData.Dataset(["a", "c"], ["a"], 20, seed: 2));
        act.Should().Throw<ArgumentException>().WithMessage("*New task 'c' has no labels*");
    }
}
