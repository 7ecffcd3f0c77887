using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Architectures;

public class TaskOutputsTests
{
    [Fact]
    public void KeepsTaskOrderAndLooksUpByName()
    {
        var a = Tensor.Zeros(2, 1);
        var b = Tensor.Ones(2, 3);
        var outputs = new TaskOutputs([new("zeta", a), new("alpha", b)]);

        outputs.TaskNames.Should().Equal("zeta", "alpha");
        outputs.Keys.Should().Equal("zeta", "alpha");
        outputs["alpha"].Should().BeSameAs(b);
        outputs.Count.Should().Be(2);
        outputs.TryGetValue("zeta", out var z).Should().BeTrue();
        z.Should().BeSameAs(a);
        outputs.ContainsKey("other").Should().BeFalse();
    }

    [Fact]
    public void UnknownTaskListsTheKnownOnes()
    {
        var outputs = new TaskOutputs([new("house", Tensor.Zeros(1, 1)), new("apartment", Tensor.Zeros(1, 1))]);

        var act = () => outputs["condo"];

        act.Should().Throw<KeyNotFoundException>().WithMessage("*'condo'*'house', 'apartment'*");
    }

    [Fact]
    public void DuplicateTaskIsRejected()
    {
        var act = () => new TaskOutputs([new("house", Tensor.Zeros(1, 1)), new("house", Tensor.Zeros(1, 1))]);

        act.Should().Throw<ArgumentException>().WithMessage("*'house'*twice*");
    }
}
