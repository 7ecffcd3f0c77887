using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class ImtlLTests
{
    [Fact]
    public void Backward_MatchesExpSMinusS_WeightsAndGradients()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var weighting = new ImtlL();
        weighting.Initialize(ctx);
        weighting.LogScales.AsSpan()[0] = 0.5f;
        weighting.LogScales.AsSpan()[1] = -1f;

        var result = weighting.Backward([m.Square(1, 1), m.Square(1, -1)], ctx);

        // L = (9, 1): L_total = e^0.5·9 − 0.5 + e^−1·1 + 1; ∂/∂sᵢ = e^sᵢ·Lᵢ − 1.
        double w1 = Math.Exp(0.5), w2 = Math.Exp(-1);
        Expect.Close(result.Weights, w1, w2);
        Expect.Close(result.Objective, w1 * 9 - 0.5 + w2 * 1 + 1);
        Expect.Close(weighting.LogScales.Grad, w1 * 9 - 1, w2 - 1);
        Expect.Close(m.Theta.Grad, w1 * 6 + w2 * -2, w1 * 6 + w2 * 2);
    }

    [Fact]
    public void Backward_AbsentTask_GetsNoGradientAndWeightZero()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var weighting = new ImtlL();
        weighting.Initialize(ctx);
        var result = weighting.Backward([null, m.Square(1, -1)], ctx);
        Expect.Close(result.Weights, 0, 1);
        Expect.Close(weighting.LogScales.Grad, 0, 1 - 1);
    }

    [Fact]
    public void Backward_BeforeInitialize_Throws()
    {
        var m = new TinyModel(1);
        var act = () => new ImtlL().Backward([m.Square(1, 1)], m.Context("t1"));
        act.Should().Throw<InvalidOperationException>().WithMessage("*before Initialize*");
    }
}
