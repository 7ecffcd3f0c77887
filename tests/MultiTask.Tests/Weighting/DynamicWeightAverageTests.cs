using FluentAssertions;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class DynamicWeightAverageTests
{
    [Fact]
    public void Backward_FirstTwoEpochs_WeightsAreOne()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var dwa = new DynamicWeightAverage();
        Expect.Close(dwa.Backward([m.Square(1, 1), m.Square(1, -1)], ctx).Weights, 1, 1);
        ctx.RecordEpochLosses([10.0, 4.0]);
        m.ZeroGrad();
        Expect.Close(dwa.Backward([m.Square(1, 1), m.Square(1, -1)], ctx).Weights, 1, 1);
    }

    [Fact]
    public void Backward_AfterTwoEpochs_MatchesPaperFormula()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        ctx.RecordEpochLosses([10.0, 4.0]);
        ctx.RecordEpochLosses([5.0, 3.0]);
        var dwa = new DynamicWeightAverage(temperature: 2.0);

        var result = dwa.Backward([m.Square(1, 1), m.Square(1, -1)], ctx);

        // r = (5/10, 3/4); wᵢ = K·exp(rᵢ/T) / Σ exp(rⱼ/T) with K = 2, T = 2.
        double e1 = Math.Exp(0.5 / 2), e2 = Math.Exp(0.75 / 2);
        double w1 = 2 * e1 / (e1 + e2), w2 = 2 * e2 / (e1 + e2);
        Expect.Close(result.Weights, w1, w2);
        (w1 + w2).Should().BeApproximately(2, 1e-12);
        w2.Should().BeGreaterThan(w1, "the task whose loss fell more slowly gets more weight");
        Expect.Close(result.Objective, w1 * 9 + w2 * 1);
        Expect.Close(m.Theta.Grad, w1 * 6 + w2 * -2, w1 * 6 + w2 * 2);
    }

    [Fact]
    public void CurrentWeights_UsesOnlyTheLastTwoEpochs_AndMissingValuesGiveRatioOne()
    {
        var ctx = new TinyModel(3).Context("t1", "t2", "t3");
        ctx.RecordEpochLosses([100.0, 1.0, 7.0]);
        ctx.RecordEpochLosses([8.0, null, 2.0]);
        ctx.RecordEpochLosses([4.0, 5.0, 3.0]);
        var weights = new DynamicWeightAverage(temperature: 0.5).CurrentWeights(ctx);

        double[] r = [4.0 / 8.0, 1.0, 3.0 / 2.0];
        double[] e = [.. r.Select(x => Math.Exp(x / 0.5))];
        Expect.Close(weights, [.. e.Select(x => 3 * x / e.Sum())]);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_BadTemperature_Throws(double t)
    {
        var act = () => new DynamicWeightAverage(t);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("temperature");
    }
}
