using FluentAssertions;
using MultiTask.Tests.Weighting.Solvers;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class AlignedMtlTests
{
    [Fact]
    public void OrthogonalGradients_AreScaledToTheSmallestNorm()
    {
        // g1 = (2, 0), g2 = (0, 1): G = diag(4, 1), λ_R = 1, B = √1·diag(½, 1); α = B·(½, ½) = (¼, ½), d = (½, ½).
        var m = new TinyModel(2);
        var result = new AlignedMtl().Backward([m.Linear(0, 2, 0), m.Linear(1, 0, 1)], m.Context("t1", "t2"));
        Expect.Close(result.Weights, 0.25, 0.5);
        Expect.Close(m.Theta.Grad, 0.5, 0.5);
        Expect.Close(m.Heads[1].Grad, 3);
    }

    [Fact]
    public void RandomGradients_AreAlignedToEqualSingularValues()
    {
        // Aligned gradients JᵀB have B·G·B = λ_R·I, so ‖Σαᵢgᵢ‖² = λ_R·‖w‖² = λ_R/T, and every aligned task
        // gradient has the same projection on d.
        for (ulong seed = 1; seed <= 10; seed++)
        {
            var g = SolverTestKit.RandomVectors(seed, 3, 5).Select((v, i) => v.Select(x => x * (i + 1)).ToArray()).ToArray();
            var gram = SolverTestKit.Gram(g);
            var alpha = AlignedMtl.Weights(gram);
            var (values, _) = MultiTask.Weighting.Solvers.GramMatrix.SymmetricEigen(gram);
            var d = SolverTestKit.Combine(g, alpha);
            SolverTestKit.Dot(d, d).Should().BeApproximately(values[^1] / 3, 1e-9 * values[0]);
        }
    }
}
