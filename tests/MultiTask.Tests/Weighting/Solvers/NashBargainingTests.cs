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
    public void ConvergesWhereTheLineSearchCannotSeeTheLastDecrease()
    {
        // The Gram matrix of W1's two task gradients at one training step. Newton reaches a residual of about
        // 1e-8, where the objective's remaining decrease (≈ residual²) is below its rounding error, so an
        // Armijo test on objective values alone rejects every step length and the solver used to stall there.
        var gram = new double[,] { { 0.05989411380838359, -0.027200153214258095 }, { -0.027200153214258095, 0.12381017850638405 } };
        // scipy.optimize.least_squares on Gα − 1/α.
        Expect.Close(NashBargaining.Solve(gram), 4.94011354, 3.43598159);
        var fair = NashBargaining.SolveAlphaFair(gram, 2);
        var gw = new[] { gram[0, 0] * fair[0] + gram[0, 1] * fair[1], gram[1, 0] * fair[0] + gram[1, 1] * fair[1] };
        for (int i = 0; i < 2; i++) (Math.Sqrt(fair[i]) * gw[i]).Should().BeApproximately(1, 1e-9);
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
