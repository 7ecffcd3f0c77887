using FluentAssertions;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class WeightingContextTests
{
    [Fact]
    public void Constructor_DefaultsLastSharedToTheLastSharedParameter()
    {
        var a = new Parameter(Tensor.Zeros(2, 3));
        var b = new Parameter(Tensor.Zeros(3));
        var ctx = new WeightingContext(["x", "y"], [a, b]);
        ctx.LastSharedParameters.Should().ContainSingle().Which.Should().BeSameAs(b);
        ctx.SharedNumel.Should().Be(9);
        ctx.TaskCount.Should().Be(2);
        ctx.IndexOf("y").Should().Be(1);
    }

    [Fact]
    public void TaskKindsAndLosses_UnknownFromNames_RecordedByDescribeTasks()
    {
        var ctx = new WeightingContext(["x", "y"], []);
        ctx.TaskKinds.Should().BeNull();
        ctx.TaskLosses.Should().BeNull();

        var mse = new MseLoss();
        ctx.DescribeTasks([TaskKind.Regression, TaskKind.Multilabel], [mse, null]);

        ctx.TaskKinds.Should().Equal(TaskKind.Regression, TaskKind.Multilabel);
        ctx.TaskLosses.Should().Equal(mse, null);
        var count = () => ctx.DescribeTasks([TaskKind.Regression], [null]);
        count.Should().Throw<ArgumentException>().WithMessage("*1 task kinds for 2 tasks*");
        var changed = () => ctx.DescribeTasks([TaskKind.Binary, TaskKind.Multilabel], [null, null]);
        changed.Should().Throw<InvalidOperationException>().WithMessage("*'x' was described as Regression and is now Binary*");
        var lossesOnly = () => new WeightingContext(["x"], [], taskLosses: [mse]);
        lossesOnly.Should().Throw<ArgumentException>().WithMessage("*without task kinds*");
    }

    [Fact]
    public void Constructor_BadNames_Throw()
    {
        var dup = () => new WeightingContext(["x", "x"], []);
        dup.Should().Throw<ArgumentException>().WithMessage("*'x' appears more than once*");
        var none = () => new WeightingContext([], []);
        none.Should().Throw<ArgumentException>().WithMessage("*at least one task*");
    }

    [Fact]
    public void Constructor_LastSharedNotShared_Throws()
    {
        var a = new Parameter(Tensor.Zeros(2));
        var act = () => new WeightingContext(["x"], [a], [new Parameter(Tensor.Zeros(2))]);
        act.Should().Throw<ArgumentException>().WithMessage("*not one of the 1 shared parameters*");
    }

    [Fact]
    public void IndexOf_UnknownTask_ListsKnownTasks()
    {
        var ctx = new WeightingContext(["house", "apartment"], []);
        ctx.Invoking(c => c.IndexOf("condo")).Should().Throw<ArgumentException>().WithMessage("Unknown task 'condo'. Known tasks: 'house', 'apartment'*");
    }

    [Fact]
    public void RecordEpochLosses_WrongCountOrValue_Throws()
    {
        var ctx = new WeightingContext(["x", "y"], []);
        ctx.Invoking(c => c.RecordEpochLosses([1.0])).Should().Throw<ArgumentException>().WithMessage("Got 1 epoch losses for 2 tasks*");
        ctx.Invoking(c => c.RecordEpochLosses([1.0, double.NaN])).Should().Throw<ArgumentException>().WithMessage("*task 'y' is NaN*");
        ctx.RecordedEpochs.Should().Be(0);
    }

    [Fact]
    public void StateDict_RoundTrip_RestoresStepEpochInitialLossesAndHistory()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        new EqualWeighting().Backward([m.Square(1, 1), null], ctx);
        ctx.RecordEpochLosses([3.0, null]);
        ctx.RecordEpochLosses([2.5, 0.125]);
        ctx.Step = 17;
        ctx.Epoch = 2;
        var snapshot = ctx.StateDict();

        var restored = m.Context("t1", "t2");
        restored.LoadStateDict(snapshot);
        restored.Step.Should().Be(17);
        restored.Epoch.Should().Be(2);
        restored.InitialLosses.Should().Equal(9.0, null);
        restored.EpochLossHistory[0].Should().Equal(3.0, 2.5);
        restored.EpochLossHistory[1].Should().Equal(null, 0.125);
    }

    [Fact]
    public void LoadStateDict_FromOtherTasks_Throws()
    {
        var a = new WeightingContext(["x"], []);
        a.RecordEpochLosses([1.0]);
        var b = new WeightingContext(["y"], []);
        b.Invoking(c => c.LoadStateDict(a.StateDict())).Should().Throw<ArgumentException>().WithMessage("*'epoch_loss.x.0'*");
    }
}
