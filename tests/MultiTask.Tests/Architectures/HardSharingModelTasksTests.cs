using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Architectures;

public class HardSharingModelTasksTests
{
    private static HardSharingModel Model() =>
        MultiTaskModel.HardSharing(3, [("a", 1), ("b", 2), ("c", 1)], backbone: [4], generator: new Generator(1));

    [Fact]
    public void ForTasks_SharesEveryModule_AndComputesTheSameOutputs()
    {
        var model = Model();

        var view = model.ForTasks(["c", "a"]);

        view.TaskNames.Should().Equal("c", "a");
        view.Backbone.Should().BeSameAs(model.Backbone);
        view.Head("c").Should().BeSameAs(model.Head("c"));
        view.SharedParameters().Should().Equal(model.SharedParameters());
        view.InputSize.Should().Be(3);
        var x = Tensor.Randn(new Generator(2), 5, 3);
        view.Forward(x)["c"].ToArray().Should().Equal(model.Forward(x)["c"].ToArray());
        view.FreezeShared();
        model.SharedParameters().Should().OnlyContain(p => !p.RequiresGrad);
    }

    [Fact]
    public void WithTasks_AppendsNewHeads_AndKeepsTheOldOnes()
    {
        var model = Model();
        var head = new Linear(4, 3, generator: new Generator(3));

        var grown = model.WithTasks([("d", 3, head)]);

        grown.TaskNames.Should().Equal("a", "b", "c", "d");
        grown.Head("d").Should().BeSameAs(head);
        grown.Head("b").Should().BeSameAs(model.Head("b"));
        grown.OutputSize("d").Should().Be(3);
        grown.TaskParameters("d").Should().Equal(head.Weight, head.Bias!);
        model.TaskNames.Should().Equal("a", "b", "c");
    }

    [Fact]
    public void ForTasksAndWithTasks_BadArguments_NameTheProblem()
    {
        var model = Model();

        var unknown = () => model.ForTasks(["a", "z"]);
        unknown.Should().Throw<ArgumentException>().WithMessage("*Unknown task 'z'*'a', 'b', 'c'*");
        var none = () => model.ForTasks([]);
        none.Should().Throw<ArgumentException>().WithMessage("*at least one task*");
        var twice = () => model.ForTasks(["a", "a"]);
        twice.Should().Throw<ArgumentException>().WithMessage("*'a' appears more than once*");
        var existing = () => model.WithTasks([("b", 1, new Linear(4, 1))]);
        existing.Should().Throw<ArgumentException>().WithMessage("*'b' is already a task*");
        var width = () => model.WithTasks([("d", 1, new Linear(5, 1))]);
        width.Should().Throw<ArgumentException>().WithMessage("*takes 5 features*backbone outputs 4*");
        var noHead = () => model.WithTasks([]);
        noHead.Should().Throw<ArgumentException>().WithMessage("*at least one*");
        var strayWide = () => model.WithTasks([("d", 1, new Linear(4, 1))], new Dictionary<string, Linear> { ["a"] = new Linear(3, 1) });
        strayWide.Should().Throw<ArgumentException>().WithMessage("*'a', which is not one of the new tasks*");
    }
}
