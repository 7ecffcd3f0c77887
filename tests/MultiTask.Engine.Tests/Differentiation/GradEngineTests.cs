using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Tests.Differentiation;

public class GradEngineTests
{
    [Fact]
    public void Backward_AccumulatesIntoLeaves_AcrossCalls()
    {
        var x = Tensor.FromArray([1f, 2f, 3f]).RequireGrad();
        (x * x).Sum().Backward();
        x.Grad!.ToArray().Should().Equal(2f, 4f, 6f);
        (x * 3f).Sum().Backward();
        x.Grad!.ToArray().Should().Equal(5f, 7f, 9f);
    }

    [Fact]
    public void Backward_ThroughSharedSubexpression_SumsBothPaths()
    {
        var x = Tensor.FromArray([2f]).RequireGrad();
        var y = x * x;          // dy/dx = 2x
        var z = y * y + y;      // dz/dx = (2y + 1) * 2x = (8 + 1) * 4
        z.Sum().Backward();
        x.Grad!.Item().Should().Be(36f);
    }

    [Fact]
    public void Backward_Twice_WithoutRetainGraph_Throws()
    {
        var x = Tensor.FromArray([1f, 2f]).RequireGrad();
        var loss = (x.Exp() * x).Sum();
        loss.Backward();
        var act = () => loss.Backward();
        act.Should().Throw<InvalidOperationException>().WithMessage("*second time*retainGraph*");
    }

    [Fact]
    public void Backward_Twice_WithRetainGraph_Accumulates()
    {
        var x = Tensor.FromArray([1f, 2f]).RequireGrad();
        var loss = (x * x).Sum();
        loss.Backward(retainGraph: true);
        loss.Backward();
        x.Grad!.ToArray().Should().Equal(4f, 8f);
    }

    [Fact]
    public void Backward_OnNonScalarWithoutGradient_Throws()
    {
        var x = Tensor.FromArray([1f, 2f]).RequireGrad();
        var act = () => (x * 2f).Backward();
        act.Should().Throw<InvalidOperationException>().WithMessage("*one-element*[2]*");
    }

    [Fact]
    public void Backward_OnTensorWithoutGrad_Throws()
    {
        var act = () => Tensor.Ones(1).Backward();
        act.Should().Throw<InvalidOperationException>().WithMessage("*does not require grad*");
    }

    [Fact]
    public void NoGrad_StopsRecording_AndRestores()
    {
        var x = Tensor.Ones(2).RequireGrad();
        using (Autograd.NoGrad())
        {
            (x * 2f).RequiresGrad.Should().BeFalse();
            using (Autograd.EnableGrad()) (x * 2f).RequiresGrad.Should().BeTrue();
            Autograd.IsGradEnabled.Should().BeFalse();
        }
        Autograd.IsGradEnabled.Should().BeTrue();
        (x * 2f).GradFn!.Name.Should().Be("MulBackward");
    }

    [Fact]
    public void Grad_ReturnsGradients_WithoutTouchingLeaves()
    {
        var w = Tensor.FromArray([1f, -2f]).RequireGrad();
        var b = Tensor.FromArray([0.5f]).RequireGrad();
        var y = (w * w * 3f).Sum() + b * 2f;
        var grads = Autograd.Grad([y.Sum()], [w, b]);
        grads[0]!.ToArray().Should().Equal(6f, -12f);
        grads[1]!.ToArray().Should().Equal(2f);
        w.Grad.Should().BeNull();
        b.Grad.Should().BeNull();
    }

    [Fact]
    public void Grad_CreateGraph_GivesSecondDerivative()
    {
        var x = Tensor.FromArray([3f]).RequireGrad();
        var y = (x * x * x).Sum();                    // y = x^3
        var dy = Autograd.Grad(y, [x], createGraph: true)[0]!; // 3x^2 = 27
        dy.Item().Should().Be(27f);
        dy.RequiresGrad.Should().BeTrue();
        var d2y = Autograd.Grad(dy.Sum(), [x])[0]!;         // 6x = 18
        d2y.Item().Should().Be(18f);
    }

    [Fact]
    public void Grad_UnusedInput_ThrowsUnlessAllowed()
    {
        var x = Tensor.Ones(2).RequireGrad();
        var unused = Tensor.Ones(2).RequireGrad();
        var y = (x * 2f).Sum();
        var act = () => Autograd.Grad(y, [x, unused], retainGraph: true);
        act.Should().Throw<InvalidOperationException>().WithMessage("*Input 1*not used*allowUnused*");
        Autograd.Grad(y, [x, unused], allowUnused: true)[1].Should().BeNull();
    }

    [Fact]
    public void Grad_WithRespectToIntermediate()
    {
        var x = Tensor.FromArray([1f, 2f]).RequireGrad();
        var h = x * 2f;
        var y = (h * h).Sum();
        Autograd.Grad(y, [h])[0]!.ToArray().Should().Equal(4f, 8f);
    }

    [Fact]
    public void DeepGraph_DoesNotOverflowTheStack()
    {
        var x = Tensor.FromArray([1f]).RequireGrad();
        var y = x;
        for (int i = 0; i < 100_000; i++) y = y + 0f;
        y.Sum().Backward();
        x.Grad!.Item().Should().Be(1f);
    }

    [Fact]
    public void Broadcasting_GradientsAreSummedToInputShape()
    {
        var a = Tensor.Ones(2, 3).RequireGrad();
        var b = Tensor.FromArray([1f, 2f, 3f]).RequireGrad();
        (a * b).Sum().Backward();
        b.Grad!.ToArray().Should().Equal(2f, 2f, 2f);
        a.Grad!.ToArray().Should().Equal(1f, 2f, 3f, 1f, 2f, 3f);
    }

    [Fact]
    public void MatMul_Backward_MatchesHandComputation()
    {
        var a = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2).RequireGrad();
        var b = Tensor.FromArray([5f, 6f, 7f, 8f], 2, 2).RequireGrad();
        var c = a.MatMul(b);
        c.ToArray().Should().Equal(19f, 22f, 43f, 50f);
        c.Sum().Backward();
        a.Grad!.ToArray().Should().Equal(11f, 15f, 11f, 15f);
        b.Grad!.ToArray().Should().Equal(4f, 4f, 6f, 6f);
    }
}
