using FluentAssertions;
using MultiTask.Weighting;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Tests.Weighting;

public class NashMtlTests
{
    [Fact]
    public void OrthogonalGradients_AreWeightedByTheirInverseNorms_AndClipped()
    {
        // g1 = (1, 0), g2 = (0, 2): αᵢ·(gᵢ·d) = 1 gives α = (1, ½) and d = (1, 1); ‖d‖ = √2 > 1 is clipped to 1.
        var m = new TinyModel(2);
        var result = new NashMtl().Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 2)], m.Context("t1", "t2"));
        double s = 1 / Math.Sqrt(2);
        Expect.Close(m.Theta.Grad, s, s);
        Expect.Close(result.Weights, s, 0.5 * s);
        result.Diagnostics["direction_norm"].Should().BeApproximately(Math.Sqrt(2), 1e-9);
        Expect.Close(m.Heads[0].Grad, 2);

        m = new TinyModel(2);
        result = new NashMtl(maxNorm: 0).Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 2)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 1, 1);
        Expect.Close(result.Weights, 1, 0.5);
    }

    [Fact]
    public void CorrelatedGradients_SatisfyTheBargainingCondition()
    {
        // g1 = (1, 0), g2 = (1, 3): the shared update d must satisfy αᵢ·(gᵢ·d) = 1 for both tasks.
        var m = new TinyModel(2);
        var result = new NashMtl(maxNorm: 0).Backward([m.Linear(0, 1, 0), m.Linear(1, 1, 3)], m.Context("t1", "t2"));
        var d = m.Theta.Grad!.ToArray();
        (result.Weights[0] * (d[0] * 1 + d[1] * 0)).Should().BeApproximately(1, 1e-5);
        (result.Weights[1] * (d[0] * 1 + d[1] * 3)).Should().BeApproximately(1, 1e-5);
        (result.Weights[0] * 1 + result.Weights[1] * 1).Should().BeApproximately(d[0], 1e-5);
    }

    [Fact]
    public void ZeroGradient_GetsWeightZero()
    {
        var m = new TinyModel(2);
        var result = new NashMtl(maxNorm: 0).Backward([m.Linear(0, 0, 2), m.Linear(1, 0, 0)], m.Context("t1", "t2"));
        Expect.Close(result.Weights, 0.5, 0);
        Expect.Close(m.Theta.Grad, 0, 1);
    }

    [Fact]
    public void OpposedGradients_FallBackToEqualWeightsForThatStep()
    {
        // No bargaining solution exists (the solver's failure is tested with the solver); training goes on.
        var m = new TinyModel(2);
        var result = new NashMtl(maxNorm: 0).Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 0)], m.Context("t1", "t2"));
        Expect.Close(result.Weights, 0.5, 0.5);
        result.Diagnostics["fallback"].Should().Be(1);
        Expect.Close(m.Theta.Grad, 0, 0);
        new NashMtl(maxNorm: 0).Backward([m.Linear(0, 2, 0), m.Linear(1, 0, 1)], m.Context("t1", "t2")).Diagnostics["fallback"].Should().Be(0);
    }
}
