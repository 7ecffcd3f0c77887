using FluentAssertions;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Tests.Weighting.Solvers;

public class NashBargainingTests
{
    [Fact]
    public void OrthogonalGradients_GetTheInverseOfTheirNorms()
    {
        // G = diag(1, 4, 0.25): αᵢ² Gᵢᵢ = 1.
        var alpha = NashBargaining.Solve(new double[,] { { 1, 0, 0 }, { 0, 4, 0 }, { 0, 0, 0.25 } });
        Expect.Close(alpha, 1, 0.5, 2);
    }

    [Fact]
    public void EqualNormsAtAnAngle_ShareOneWeight()
    {
        // G = [[1, ½], [½, 1]]: by symmetry α₁ = α₂ = a with a·(a + a/2) = 1, a = √(2/3).
        Expect.Close(NashBargaining.Solve(new double[,] { { 1, 0.5 }, { 0.5, 1 } }), Math.Sqrt(2.0 / 3), Math.Sqrt(2.0 / 3));
    }

    [Fact]
    public void RandomGradients_SatisfyTheBargainingCondition()
    {
        for (ulong seed = 1; seed <= 20; seed++)
        {
            // Different scales per task, as in training.
            var g = SolverTestKit.RandomVectors(seed, 4, 6).Select((v, i) => v.Select(x => x * Math.Pow(10, i - 2)).ToArray()).ToArray();
            var alpha = NashBargaining.Solve(SolverTestKit.Gram(g));
            var d = SolverTestKit.Combine(g, alpha);
            for (int i = 0; i < 4; i++)
            {
                alpha[i].Should().BePositive();
                (alpha[i] * SolverTestKit.Dot(g[i], d)).Should().BeApproximately(1, 1e-8, $"seed {seed}, task {i}");
            }
        }
    }

    [Fact]
    public void OpposedGradients_HaveNoSolution_AndTheFailureIsNamed()
    {
        var act = () => NashBargaining.Solve(new double[,] { { 1, -1 }, { -1, 1 } }, maxIterations: 50);
        var e = act.Should().Throw<SolverConvergenceException>().WithMessage("NashBargaining*50 iterations*residual*cancels*").Which;
        e.Iterations.Should().Be(50);
        e.Residual.Should().BePositive();
    }

    [Fact]
    public void ZeroGradient_IsRefused() =>
        FluentActions.Invoking(() => NashBargaining.Solve(new double[,] { { 1, 0 }, { 0, 0 } }))
            .Should().Throw<ArgumentException>().WithMessage("*Gradient 1 is zero*");
}
