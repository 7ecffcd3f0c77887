using FluentAssertions;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Losses;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Losses;

/// <summary>
/// MseLoss's weighted mean runs as one fused operation; these compare it with the general path every other loss takes
/// (a user-defined squared error, which has no fused form) on values, gradients and second-order gradients.
/// </summary>
public class FusedMseTests
{
    private sealed class GeneralSquaredError() : Loss(Reduction.Mean)
    {
        protected override Tensor Elementwise(Tensor input, Tensor target) => (input - target).Square();
    }

    public static IEnumerable<object[]> Cases() =>
    [
        // same-shape weights with zeros and non-unit values
        [new[] { 6, 3 }, new[] { 6, 3 }, new[] { 1f, 0f, 2f, 1f, 0.5f, 0f, 1f, 1f, 1f, 3f, 0f, 1f, 1f, 1f, 0f, 1f, 2f, 1f }],
        // one weight per row, broadcast over the columns
        [new[] { 6, 3 }, new[] { 6, 1 }, new[] { 1f, 0f, 1f, 2f, 0f, 1f }],
        // a single-output head with a row mask, as the trainer calls it
        [new[] { 6, 1 }, new[] { 6, 1 }, new[] { 1f, 1f, 0f, 1f, 0f, 1f }],
        // every element masked
        [new[] { 4, 2 }, new[] { 4, 1 }, new[] { 0f, 0f, 0f, 0f }],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedWeightedMean_MatchesTheGeneralPath_InValueAndGradient(int[] shape, int[] weightShape, float[] weights)
    {
        var x = Tensor.Randn(new Generator(5), shape);
        var y = Tensor.Randn(new Generator(6), shape);
        var w = Tensor.FromArray(weights, weightShape);

        var xf = x.Clone().Detach().RequireGrad();
        var fused = new MseLoss().Forward(xf, y, w);
        fused.GradFn!.Name.Should().Be("MseLossBackward", "the fused operation must be the one under test");
        fused.Backward();
        var xg = x.Clone().Detach().RequireGrad();
        var general = new GeneralSquaredError().Forward(xg, y, w);
        general.Backward();

        fused.Item().Should().BeApproximately(general.Item(), 1e-6f);
        xf.Grad!.ToArray().Zip(xg.Grad!.ToArray()).Should().OnlyContain(p => Math.Abs(p.First - p.Second) <= 1e-6f);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedWeightedMean_SecondOrderGradient_MatchesTheGeneralPath(int[] shape, int[] weightShape, float[] weights)
    {
        var x = Tensor.Randn(new Generator(7), shape);
        var y = Tensor.Randn(new Generator(8), shape);
        var w = Tensor.FromArray(weights, weightShape);

        float[] GradOfGradNorm(Loss loss)
        {
            var xi = x.Clone().Detach().RequireGrad();
            var first = Autograd.Grad([loss.Forward(xi * xi, y, w)], [xi], createGraph: true)[0]!;
            return Autograd.Grad([first.Square().Sum()], [xi])[0]!.ToArray();
        }

        GradOfGradNorm(new MseLoss()).Zip(GradOfGradNorm(new GeneralSquaredError())).Should().OnlyContain(p => Math.Abs(p.First - p.Second) <= 1e-5f);
    }

    [Fact]
    public void MaskedPositions_NeverReachTheFusedLossOrGradient()
    {
        var x = Tensor.FromArray([1f, float.NaN, 3f], 3, 1).RequireGrad();
        var y = Tensor.FromArray([0f, 5f, float.PositiveInfinity], 3, 1);
        var loss = new MseLoss().Forward(x, y, Tensor.FromArray([2f, 0f, 0f], 3, 1));
        // 2·1² / 2, and 2·w·(x − y) / Σw = 2·2·1 / 2 where the weight is non-zero
        loss.Item().Should().Be(1f);
        loss.Backward();
        x.Grad!.ToArray().Should().Equal(2f, 0f, 0f);
    }

    [Fact]
    public void WeightThatRequiresGrad_TakesTheGeneralPath_AndGetsItsGradient()
    {
        var x = Tensor.FromArray([1f, 2f], 2, 1);
        var w = Tensor.FromArray([1f, 1f], 2, 1).RequireGrad();
        var loss = new MseLoss().Forward(x, Tensor.Zeros(2, 1), w);
        loss.Backward();
        // d/dw of Σw·e / Σw at w = 1: (e_i − mean e) / Σw = (1 − 2.5)/2, (4 − 2.5)/2
        w.Grad!.ToArray().Should().Equal(-0.75f, 0.75f);
    }
}
