using FluentAssertions;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Tests.Weighting.Solvers;

public class MinNormPointTests
{
    [Theory]
    // g1 = (1, 0), g2 = (0, 1): the midpoint.
    [InlineData(1, 0, 0, 1, 0.5)]
    // g1 = (1, 0), g2 = (3, 4): ((g2 − g1)·g2)/‖g1 − g2‖² = 22/20 clamps to 1, the vertex g1.
    [InlineData(1, 0, 3, 4, 1.0)]
    // g1 = (2, 0), g2 = (−1, 1): (3 + 1)/(9 + 1) = 0.4.
    [InlineData(2, 0, -1, 1, 0.4)]
    public void TwoVectors_MatchTheClosedForm(double a0, double a1, double b0, double b1, double expected)
    {
        var gram = SolverTestKit.Gram([a0, a1], [b0, b1]);
        Expect.Close(MinNormPoint.Solve(gram), expected, 1 - expected);
        Expect.Close(MinNormPoint.FrankWolfe(gram, 10, 1e-9), expected, 1 - expected);
    }

    [Fact]
    public void HullContainingTheOrigin_GivesTheZeroPoint()
    {
        // (1, 0), (0, 1), (−1, −1) sum to zero: α = ⅓ each.
        var alpha = MinNormPoint.Solve(SolverTestKit.Gram([1, 0], [0, 1], [-1, -1]));
        Expect.Close(alpha, 1.0 / 3, 1.0 / 3, 1.0 / 3);
    }

    [Fact]
    public void RandomHulls_SatisfyTheOptimalityConditionsExactly()
    {
        for (ulong seed = 1; seed <= 20; seed++)
        {
            // Shift the points away from the origin so that most hulls miss it and the support is a proper subset.
            var g = SolverTestKit.RandomVectors(seed, 5, 3).Select(v => new[] { v[0] + 1.5, v[1], v[2] }).ToArray();
            var alpha = MinNormPoint.Solve(SolverTestKit.Gram(g));
            alpha.Sum().Should().BeApproximately(1, 1e-12);
            alpha.Should().OnlyContain(a => a >= 0);
            var d = SolverTestKit.Combine(g, alpha);
            double dd = SolverTestKit.Dot(d, d);
            for (int i = 0; i < g.Length; i++)
            {
                double gd = SolverTestKit.Dot(g[i], d);
                gd.Should().BeGreaterThanOrEqualTo(dd - 1e-10, $"seed {seed}, vector {i}");
                if (alpha[i] > 1e-9) gd.Should().BeApproximately(dd, 1e-10, $"seed {seed}: vector {i} is in the support");
            }
        }
    }

    [Fact]
    public void TinyVectors_GiveTheSameWeights()
    {
        double[][] g = [[2, 1], [1, 3], [-1, 2]];
        var big = MinNormPoint.Solve(SolverTestKit.Gram(g));
        var tiny = MinNormPoint.Solve(SolverTestKit.Gram([.. g.Select(v => v.Select(x => x * 1e-9).ToArray())]));
        Expect.Close(tiny, big);
    }

    [Fact]
    public void FrankWolfe_ApproachesTheExactSolution()
    {
        double[][] g = [[2, 1], [1, 3], [-1, 2]];
        var exact = MinNormPoint.Solve(SolverTestKit.Gram(g));
        var iterative = MinNormPoint.FrankWolfe(SolverTestKit.Gram(g), 100_000, 1e-12);
        for (int i = 0; i < 3; i++) iterative[i].Should().BeApproximately(exact[i], 1e-3);
        var d = SolverTestKit.Combine(g, exact);
        var e = SolverTestKit.Combine(g, iterative);
        SolverTestKit.Dot(e, e).Should().BeGreaterThanOrEqualTo(SolverTestKit.Dot(d, d) - 1e-12, "the exact point has the least norm");
    }

    [Fact]
    public void TooFewIterations_ThrowNamingTheSolver()
    {
        // (1, 0), (0, 1), (−1, −1): all three vectors are in the support, so one active-set iteration is not enough.
        var act = () => MinNormPoint.Solve(SolverTestKit.Gram([1, 0], [0, 1], [-1, -1]), maxIterations: 1);
        var e = act.Should().Throw<SolverConvergenceException>().WithMessage("MinNormPoint*after 1 iterations*residual*").Which;
        e.Residual.Should().BePositive();
    }
}
