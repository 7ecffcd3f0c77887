using FluentAssertions;
using MultiTask.Tests.Weighting.Solvers;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class ConFigTests
{
    [Fact]
    public void OrthogonalGradients_MeetOnTheDiagonal()
    {
        // u1 = (1, 0), u2 = (0, 1): U⁺1 = (1, 1), ĝ = (1, 1)/√2; Σ gᵢ·ĝ = (1 + 2)/√2, so d = (1.5, 1.5).
        var m = new TinyModel(2);
        var result = new ConFig().Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 2)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 1.5, 1.5);
        Expect.Close(result.Weights, 1.5, 0.75);
        Expect.Close(m.Heads[0].Grad, 2);
    }

    [Fact]
    public void ConflictingGradients_FollowThePaperFormula()
    {
        // g1 = (1, 0), g2 = (−1, 1): uᵢ·x = 1 gives x = (1, 1 + √2); g1·x = 1, g2·x = √2, so
        // d = (Σ gᵢ·ĝ)·ĝ = (1 + √2)/‖x‖² · x.
        var m = new TinyModel(2);
        new ConFig().Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 1)], m.Context("t1", "t2"));
        double r = Math.Sqrt(2), scale = (1 + r) / (1 + (1 + r) * (1 + r));
        Expect.Close(m.Theta.Grad, scale, scale * (1 + r));
    }

    [Fact]
    public void RandomGradients_MakeEqualPositiveAnglesWithEveryTask()
    {
        for (ulong seed = 1; seed <= 10; seed++)
        {
            var g = SolverTestKit.RandomVectors(seed, 3, 5).Select((v, i) => v.Select(x => x * (i + 1)).ToArray()).ToArray();
            var d = SolverTestKit.Combine(g, ConFig.Weights(SolverTestKit.Gram(g)));
            var cosines = g.Select(v => SolverTestKit.Dot(v, d) / Math.Sqrt(SolverTestKit.Dot(v, v) * SolverTestKit.Dot(d, d))).ToArray();
            cosines.Should().AllSatisfy(c => c.Should().BeApproximately(cosines[0], 1e-9).And.BePositive());
            // The length is the sum of the projections on the direction.
            double length = Math.Sqrt(SolverTestKit.Dot(d, d));
            length.Should().BeApproximately(g.Sum(v => SolverTestKit.Dot(v, d)) / length, 1e-9);
        }
    }
}
