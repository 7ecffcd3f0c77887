using FluentAssertions;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Optim;

public class GradClipTests
{
    [Fact]
    public void ClipGradNorm_WithoutGradients_ReturnsZero()
    {
        GradClip.ClipGradNorm([Tensor.Zeros(3).RequireGrad()], 1.0).Should().Be(0);
    }

    [Fact]
    public void ClipGradNorm_IgnoresParametersWithoutGradient()
    {
        var a = Tensor.Zeros(2).RequireGrad();
        var b = Tensor.Zeros(2).RequireGrad();
        a.Grad = Tensor.FromArray([3f, 4f]);
        GradClip.ClipGradNorm([a, b], 1.0).Should().BeApproximately(5.0, 1e-6);
        a.Grad.ToArray().Should().Equal([3f / (5f + 1e-6f), 4f / (5f + 1e-6f)], (x, y) => Math.Abs(x - y) < 1e-6);
        b.Grad.Should().BeNull();
    }

    [Fact]
    public void ClipGradNorm_NonFinite_ThrowsWhenAsked_ElseScales()
    {
        var a = Tensor.Zeros(2).RequireGrad();
        a.Grad = Tensor.FromArray([float.PositiveInfinity, 1f]);
        var act = () => GradClip.ClipGradNorm([a], 1.0, errorIfNonfinite: true);
        act.Should().Throw<InvalidOperationException>().WithMessage("*non-finite*errorIfNonfinite: false*");
        GradClip.ClipGradNorm([a], 1.0).Should().Be(double.PositiveInfinity);
        a.Grad.ToArray()[1].Should().Be(0f);
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        var p = new[] { Tensor.Zeros(2).RequireGrad() };
        ((Action)(() => GradClip.ClipGradNorm(p, -1))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*maxNorm*");
        ((Action)(() => GradClip.ClipGradNorm(p, 1, normType: 0))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*normType*");
        ((Action)(() => GradClip.ClipGradValue(p, -0.1))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*clipValue*");
    }
}
