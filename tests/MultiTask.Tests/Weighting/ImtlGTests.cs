using FluentAssertions;
using MultiTask.Tests.Weighting.Solvers;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class ImtlGTests
{
    [Fact]
    public void TwoOrthogonalGradients_FollowThePaperFormula()
    {
        // g1 = (1, 0), g2 = (0, 2): D = g1 − g2 = (1, −2), U = u1 − u2 = (1, −1);
        // α₂ = g1·U / (D·U) = 1/3, α₁ = 2/3; d = (2/3, 2/3), whose projections on u1 and u2 are both 2/3.
        var m = new TinyModel(2);
        var result = new ImtlG().Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 2)], m.Context("t1", "t2"));
        Expect.Close(result.Weights, 2.0 / 3, 1.0 / 3);
        Expect.Close(m.Theta.Grad, 2.0 / 3, 2.0 / 3);
        Expect.Close(m.Heads[1].Grad, 3);
        result.Diagnostics["degenerate"].Should().Be(0);
    }

    [Fact]
    public void ThreeDimensionalExample_MatchesThePaperFormula()
    {
        // g1 = (−4, 1, 1), g2 = (6, 1, 1): D = (−10, 0, 0), U = g1/√18 − g2/√38;
        // α₂ = g1·U / (D·U), α₁ = 1 − α₂.
        double[] g1 = [-4, 1, 1], g2 = [6, 1, 1];
        double n1 = Math.Sqrt(18), n2 = Math.Sqrt(38);
        double[] u = [.. g1.Select((x, k) => x / n1 - g2[k] / n2)];
        double[] diff = [.. g1.Select((x, k) => x - g2[k])];
        double alpha2 = SolverTestKit.Dot(g1, u) / SolverTestKit.Dot(diff, u);
        var alpha = ImtlG.Weights(SolverTestKit.Gram(g1, g2))!;
        Expect.Close(alpha, 1 - alpha2, alpha2);
        // torchjd documents the direction (0.0767, 1, 1) for this example.
        SolverTestKit.Combine([g1, g2], alpha)[0].Should().BeApproximately(0.0767, 1e-4);
    }

    [Fact]
    public void RandomGradients_HaveEqualProjectionsOnTheUnitGradients()
    {
        for (ulong seed = 1; seed <= 10; seed++)
        {
            var g = SolverTestKit.RandomVectors(seed, 4, 6).Select((v, i) => v.Select(x => x * (i + 1)).ToArray()).ToArray();
            var alpha = ImtlG.Weights(SolverTestKit.Gram(g))!;
            alpha.Sum().Should().BeApproximately(1, 1e-12);
            var d = SolverTestKit.Combine(g, alpha);
            var projections = g.Select(v => SolverTestKit.Dot(v, d) / Math.Sqrt(SolverTestKit.Dot(v, v))).ToArray();
            projections.Should().AllSatisfy(p => p.Should().BeApproximately(projections[0], 1e-9));
        }
    }

    [Fact]
    public void ZeroGradient_IsDegenerate()
    {
        var m = new TinyModel(2);
        var result = new ImtlG().Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 0)], m.Context("t1", "t2"));
        result.Diagnostics["degenerate"].Should().Be(1);
        Expect.Close(m.Theta.Grad, 0, 0);
    }
}
