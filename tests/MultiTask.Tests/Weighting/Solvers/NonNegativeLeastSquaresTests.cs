using FluentAssertions;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Tests.Weighting.Solvers;

public class NonNegativeLeastSquaresTests
{
    [Fact]
    public void PositiveUnconstrainedSolution_IsReturnedAsIs()
    {
        // A = I, b = (1, 2): the unconstrained minimiser z = b is already non-negative.
        var z = NonNegativeLeastSquares.Solve(new double[,] { { 1, 0 }, { 0, 1 } }, [1, 2]);
        Expect.Close(z, 1, 2);
    }

    [Fact]
    public void NegativeComponent_IsClampedAndTheRestReSolved()
    {
        // min ‖Mz − y‖² with M = [[1, 0], [1, 1]], y = (2, −1): A = MᵀM = [[2, 1], [1, 1]], b = Mᵀy = (1, −1).
        // Unconstrained z = (2, −3); with z₂ = 0, (z₁ − 2)² + (z₁ + 1)² is least at z₁ = ½, and the
        // multiplier of z₂ is b₂ − (Az)₂ = −1 − ½ < 0, so (½, 0) is optimal.
        var z = NonNegativeLeastSquares.Solve(new double[,] { { 2, 1 }, { 1, 1 } }, [1, -1]);
        Expect.Close(z, 0.5, 0);
    }

    [Fact]
    public void RandomProblems_SatisfyTheKktConditions()
    {
        for (ulong seed = 1; seed <= 20; seed++)
        {
            // M is 4×6, so A = MᵀM is singular (rank 4): the passive-set systems must cope with dependence.
            var columns = SolverTestKit.RandomVectors(seed, 6, 4);
            var y = SolverTestKit.RandomVectors(seed + 100, 1, 4)[0];
            var a = SolverTestKit.Gram(columns);
            var b = columns.Select(c => SolverTestKit.Dot(c, y)).ToArray();
            var z = NonNegativeLeastSquares.Solve(a, b);
            for (int j = 0; j < 6; j++)
            {
                double w = b[j] - Enumerable.Range(0, 6).Sum(k => a[j, k] * z[k]);
                z[j].Should().BeGreaterThanOrEqualTo(0);
                w.Should().BeLessThan(1e-9, $"seed {seed}: no zero variable may still decrease the objective");
                (z[j] * w).Should().BeApproximately(0, 1e-9, $"seed {seed}: complementary slackness at {j}");
            }
        }
    }

    [Fact]
    public void SingularSystem_GivesAMinimiser()
    {
        // A = [[1, 1], [1, 1]], b = (1, 1): every z ≥ 0 with z₁ + z₂ = 1 is optimal.
        var z = NonNegativeLeastSquares.Solve(new double[,] { { 1, 1 }, { 1, 1 } }, [1, 1]);
        (z[0] + z[1]).Should().BeApproximately(1, 1e-12);
        z.Should().OnlyContain(v => v >= 0);
    }

    [Fact]
    public void TooFewIterations_ThrowsNamingTheSolverIterationsAndResidual()
    {
        // Two variables must enter the passive set; one iteration is not enough.
        var act = () => NonNegativeLeastSquares.Solve(new double[,] { { 1, 0 }, { 0, 1 } }, [1, 2], maxIterations: 1);
        var e = act.Should().Throw<SolverConvergenceException>().WithMessage("NonNegativeLeastSquares*1 iterations*residual 2*").Which;
        e.Solver.Should().StartWith("NonNegativeLeastSquares");
        e.Iterations.Should().Be(1);
        e.Residual.Should().Be(2);
    }

    [Fact]
    public void InvalidInput_IsRefused()
    {
        FluentActions.Invoking(() => NonNegativeLeastSquares.Solve(new double[,] { { 1, 2 }, { 0, 1 } }, [1, 1]))
            .Should().Throw<ArgumentException>().WithMessage("*not symmetric*");
        FluentActions.Invoking(() => NonNegativeLeastSquares.Solve(new double[,] { { double.NaN, 0 }, { 0, 1 } }, [1, 1]))
            .Should().Throw<ArgumentException>().WithMessage("*non-finite*");
        FluentActions.Invoking(() => NonNegativeLeastSquares.Solve(new double[,] { { 1, 0 }, { 0, 1 } }, [1]))
            .Should().Throw<ArgumentException>().WithMessage("*1 entries for a 2×2*");
    }
}
