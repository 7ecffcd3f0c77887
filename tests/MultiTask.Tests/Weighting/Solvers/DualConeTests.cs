using FluentAssertions;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Tests.Weighting.Solvers;

public class DualConeTests
{
    [Fact]
    public void ConflictingVector_IsProjectedOntoTheConeBoundary()
    {
        // g1 = (1, 0), g2 = (−1, 1): the dual cone {x : x₁ ≥ 0, x₂ ≥ x₁} lies between (0, 1) and (1, 1).
        // g1 violates g2·x ≥ 0; its projection is onto the ray (1, 1): (½, ½) = 1·g1 + ½·g2.
        var gram = SolverTestKit.Gram([1, 0], [-1, 1]);
        Expect.Close(DualCone.ProjectWeights(gram, [1, 0]), 1, 0.5);
        // g2 violates g1·x ≥ 0; its projection is onto the ray (0, 1): (0, 1) = 1·g1 + 1·g2.
        Expect.Close(DualCone.ProjectWeights(gram, [0, 1]), 1, 1);
    }

    [Fact]
    public void VectorInsideTheCone_IsUnchanged()
    {
        // The mean of g1 = (1, 0) and g2 = (1, 1) has positive products with both.
        Expect.Close(DualCone.ProjectWeights(SolverTestKit.Gram([1, 0], [1, 1]), [0.5, 0.5]), 0.5, 0.5);
    }

    [Fact]
    public void RandomProjections_SatisfyTheKktConditions()
    {
        // v = argmin vᵀGv s.t. v ≥ u  ⇔  v ≥ u, Gv ≥ 0 and (v − u)ᵢ·(Gv)ᵢ = 0 (Quinton and Rey, Proposition 1).
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var g = SolverTestKit.RandomVectors(seed, 4, 6);
            var gram = SolverTestKit.Gram(g);
            var u = SolverTestKit.RandomVectors(seed + 50, 1, 4)[0];
            var v = DualCone.ProjectWeights(gram, u);
            var d = SolverTestKit.Combine(g, v);
            for (int i = 0; i < 4; i++)
            {
                double gv = SolverTestKit.Dot(g[i], d);
                (v[i] - u[i]).Should().BeGreaterThanOrEqualTo(-1e-12);
                gv.Should().BeGreaterThanOrEqualTo(-1e-9, $"seed {seed}: the projection is in the dual cone");
                ((v[i] - u[i]) * gv).Should().BeApproximately(0, 1e-9, $"seed {seed}: complementary slackness at {i}");
            }
        }
    }

    [Fact]
    public void TooFewIterations_ThrowNamingTheSolver()
    {
        // Projecting −(g1 + g2) for g1 = (1, 0), g2 = (0, 1) needs both weights raised: two active-set iterations.
        var act = () => DualCone.ProjectWeights(SolverTestKit.Gram([1, 0], [0, 1]), [-1, -1], maxIterations: 1);
        act.Should().Throw<SolverConvergenceException>().WithMessage("DualCone.ProjectWeights*after 1 iterations*residual 1*");
        Expect.Close(DualCone.ProjectWeights(SolverTestKit.Gram([1, 0], [0, 1]), [-1, -1]), 0, 0);
    }
}
