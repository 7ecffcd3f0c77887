using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Tests.Tensors;

public class TensorOpsTests
{
    [Fact]
    public void IndexSelect_OutOfRange_NamesIndexDimensionAndSize()
    {
        var x = Tensor.Zeros(3, 4);
        var act = () => x.IndexSelect(1, [0, 4]);
        act.Should().Throw<IndexOutOfRangeException>().WithMessage("*index 4*dimension 1 of size 4*");
        var negative = () => x.IndexSelect(0, Tensor.FromArray([-1f]));
        negative.Should().Throw<IndexOutOfRangeException>().WithMessage("*index -1*dimension 0 of size 3*");
    }

    [Fact]
    public void Gather_OutOfRangeIndex_AndBadIndexShape_Throw()
    {
        var x = Tensor.Zeros(3, 4);
        var act = () => x.Gather(1, Tensor.FromArray([0f, 5f], 1, 2));
        act.Should().Throw<IndexOutOfRangeException>().WithMessage("*index 5*dimension 1 of size 4*");
        var rank = () => x.Gather(1, Tensor.FromArray([0f, 1f]));
        rank.Should().Throw<ArgumentException>().WithMessage("*same rank*");
        var size = () => x.Gather(1, Tensor.Zeros(4, 1));
        size.Should().Throw<ArgumentException>().WithMessage("*index size 4 exceeds the input size 3 at dimension 0*");
    }

    [Fact]
    public void Cat_And_Stack_RejectMismatchedShapes()
    {
        var cat = () => Tensor.Cat([Tensor.Zeros(2, 3), Tensor.Zeros(2, 4)], 0);
        cat.Should().Throw<ArgumentException>().WithMessage("*tensor 1 has shape [2, 4]*[2, 3]*");
        var stack = () => Tensor.Stack([Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)]);
        stack.Should().Throw<ArgumentException>().WithMessage("*tensor 1 has shape [3, 2]*");
        var empty = () => Tensor.Cat([]);
        empty.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Narrow_OutOfRange_Throws()
    {
        var x = Tensor.Zeros(3, 4);
        var act = () => x.Narrow(1, 2, 3);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*length 3 exceeds dimension 1 of size 4*");
    }

    [Fact]
    public void Slice_ClipsLikePython_AndRowsTakesMinibatches()
    {
        var x = Tensor.Arange(10).Reshape(5, 2);
        x.Rows(1, 3).ToArray().Should().Equal(2f, 3f, 4f, 5f);
        x.Slice(0, -2, 100).ToArray().Should().Equal(6f, 7f, 8f, 9f);
        x.Slice(0, 4, 2).Shape.Should().Equal(0, 2);
    }

    [Fact]
    public void MaskedFill_RejectsMaskThatWouldGrowTheTensor()
    {
        var act = () => Tensor.Zeros(3).MaskedFill(Tensor.Ones(2, 3), 1f);
        act.Should().Throw<ArgumentException>().WithMessage("*mask of shape [2, 3] must broadcast*[3]*");
    }

    [Fact]
    public void Clamp_WithoutBounds_Throws()
    {
        var act = () => Tensor.Zeros(3).Clamp();
        act.Should().Throw<ArgumentException>().WithMessage("*at least one of min and max*");
    }

    [Fact]
    public void Max_OfEmptyTensor_Throws()
    {
        var act = () => Tensor.Zeros(0).Max();
        act.Should().Throw<InvalidOperationException>().WithMessage("*empty tensor*");
    }

    [Fact]
    public void Norm_NegativeOrder_Throws()
    {
        var act = () => Tensor.Ones(3).Norm(-1f);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*p must be*");
    }

    [Fact]
    public void NonDifferentiableResults_NeverRequireGrad()
    {
        var x = Tensor.FromArray([1f, -2f, 0f]).RequireGrad();
        x.Sign().RequiresGrad.Should().BeFalse();
        x.Gt(0f).RequiresGrad.Should().BeFalse();
        x.Eq(x).RequiresGrad.Should().BeFalse();
        x.IsNan().RequiresGrad.Should().BeFalse();
        x.Argmax().RequiresGrad.Should().BeFalse();
        x.Max(0).Indices.RequiresGrad.Should().BeFalse();
    }

    [Fact]
    public void Where_GradientIsExactZero_ForTheUnpickedInfiniteBranch()
    {
        var a = Tensor.FromArray([float.PositiveInfinity, 1f, 2f]).RequireGrad();
        var b = Tensor.FromArray([5f, float.NegativeInfinity, 0f]).RequireGrad();
        var y = Tensor.Where(Tensor.FromArray([0f, 1f, 1f]), a, b);
        y.ToArray().Should().Equal(5f, 1f, 2f);
        (y * Tensor.FromArray([2f, 3f, 4f])).Sum().Backward();
        a.Grad!.ToArray().Should().Equal(0f, 3f, 4f);
        b.Grad!.ToArray().Should().Equal(2f, 0f, 0f);
    }

    [Fact]
    public void Norm_GradientAtZeroVector_IsZero_EvenForSecondOrder()
    {
        var x = Tensor.Zeros(3).RequireGrad();
        var g = Autograd.Grad(x.Norm(), [x], createGraph: true)[0]!;
        g.ToArray().Should().Equal(0f, 0f, 0f);
        var h = Autograd.Grad(g.Sum(), [x], allowUnused: true)[0];
        (h is null || h.ToArray().All(v => v == 0f)).Should().BeTrue();
    }

    [Fact]
    public void Std_GradientOfConstantRow_IsZero()
    {
        var x = Tensor.FromArray([2f, 2f, 2f, 1f, 3f, 5f], 2, 3).RequireGrad();
        x.Std([1]).Sum().Backward();
        x.Grad!.ToArray().Should().Equal(0f, 0f, 0f, -0.5f, 0f, 0.5f);
    }

    [Fact]
    public void Softmax_And_LogSumExp_StayFinite_ForHugeInputs()
    {
        var x = Tensor.FromArray([3e38f, 3e38f, -3e38f]);
        x.Softmax(0).ToArray().Should().Equal(0.5f, 0.5f, 0f);
        float.IsFinite(Tensor.FromArray([-1e30f, -1e30f]).LogSumExp(0).Item()).Should().BeTrue();
    }

    [Fact]
    public void Comparisons_And_Where_MatchScalarReference_ForEveryLength()
    {
        var g = new Generator(3);
        for (int n = 0; n <= 256; n++)
        {
            var a = Tensor.Randint(g, -2, 3, n);
            var b = Tensor.Randint(g, -2, 3, n);
            var lt = a.Lt(b).ToArray();
            var ge = a.Ge(1f).ToArray();
            var w = Tensor.Where(lt.Length == 0 ? Tensor.Zeros(0) : a.Lt(b), a, b).ToArray();
            var av = a.ToArray();
            var bv = b.ToArray();
            for (int i = 0; i < n; i++)
            {
                lt[i].Should().Be(av[i] < bv[i] ? 1f : 0f);
                ge[i].Should().Be(av[i] >= 1f ? 1f : 0f);
                w[i].Should().Be(Math.Min(av[i], bv[i]));
            }
        }
    }

    [Fact]
    public void Gelu_MatchesDoublePrecisionErf()
    {
        // Reference values of x·Φ(x) computed in high precision.
        var x = Tensor.FromArray([-3f, -1f, 0.5f, 2f]);
        var expected = new[] { -0.0040496961, -0.15865525393, 0.34573123063, 1.95449973610 };
        var got = x.Gelu().ToArray();
        for (int i = 0; i < got.Length; i++) got[i].Should().BeApproximately((float)expected[i], (float)(1e-6 * Math.Abs(expected[i]) + 1e-9));
    }
}
