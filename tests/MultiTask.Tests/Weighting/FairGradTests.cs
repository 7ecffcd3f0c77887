using FluentAssertions;
using MultiTask.Tests.Weighting.Solvers;
using MultiTask.Weighting;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Tests.Weighting;

public class FairGradTests
{
    [Fact]
    public void OrthogonalGradients_FollowTheAlphaFairCondition()
    {
        // g1 = (1, 0), g2 = (0, 2), α = 2: Gᵢᵢ·wᵢ = wᵢ^(−1/2) gives wᵢ = Gᵢᵢ^(−2/3): w = (1, 4^(−2/3)), d = (1, 2·4^(−2/3)).
        var m = new TinyModel(2);
        var result = new FairGrad(maxNorm: 0).Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 2)], m.Context("t1", "t2"));
        double w2 = Math.Pow(4, -2.0 / 3);
        Expect.Close(result.Weights, 1, w2);
        Expect.Close(m.Theta.Grad, 1, 2 * w2);
        Expect.Close(m.Heads[1].Grad, 3);
    }

    [Fact]
    public void AlphaOne_IsNashMtl()
    {
        var a = new TinyModel(2);
        new FairGrad(alpha: 1, maxNorm: 0).Backward([a.Linear(0, 1, 0), a.Linear(1, 1, 3)], a.Context("t1", "t2"));
        var b = new TinyModel(2);
        new NashMtl(maxNorm: 0).Backward([b.Linear(0, 1, 0), b.Linear(1, 1, 3)], b.Context("t1", "t2"));
        var fair = a.Theta.Grad!.ToArray();
        var nash = b.Theta.Grad!.ToArray();
        fair[0].Should().BeApproximately(nash[0], 1e-6f);
        fair[1].Should().BeApproximately(nash[1], 1e-6f);
    }

    [Fact]
    public void RandomGradients_SatisfyTheConditionForEveryAlpha()
    {
        foreach (double alpha in new[] { 0.5, 2, 5 })
            for (ulong seed = 1; seed <= 10; seed++)
            {
                var g = SolverTestKit.RandomVectors(seed, 3, 5).Select((v, i) => v.Select(x => x * (i + 1)).ToArray()).ToArray();
                var w = NashBargaining.SolveAlphaFair(SolverTestKit.Gram(g), alpha);
                var d = SolverTestKit.Combine(g, w);
                for (int i = 0; i < 3; i++)
                    (Math.Pow(w[i], 1 / alpha) * SolverTestKit.Dot(g[i], d)).Should().BeApproximately(1, 1e-8, $"α {alpha}, seed {seed}, task {i}");
            }
    }

    [Fact]
    public void LargerAlpha_EvensOutTheTasksImprovements()
    {
        // Improvement rates gᵢ·d become more equal as α grows (towards max-min fairness).
        double[][] g = [[3, 0.2], [0.1, 0.5]];
        double previous = 0;
        foreach (double alpha in new[] { 0.5, 1, 2, 8 })
        {
            var d = SolverTestKit.Combine(g, NashBargaining.SolveAlphaFair(SolverTestKit.Gram(g), alpha));
            var rates = g.Select(v => SolverTestKit.Dot(v, d)).ToArray();
            double evenness = rates.Min() / rates.Max();
            evenness.Should().BeGreaterThan(previous, $"α {alpha}");
            previous = evenness;
        }
    }
}
