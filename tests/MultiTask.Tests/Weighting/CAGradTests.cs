using FluentAssertions;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class CAGradTests
{
    [Fact]
    public void OrthogonalGradients_FollowTheBisectorLengthenedByTheBall()
    {
        // g1 = (1, 0), g2 = (0, 1): g₀ = (½, ½); by symmetry g_w = g₀, so d = g₀ + c‖g₀‖·g₀/‖g₀‖ = 1.4·g₀ = (0.7, 0.7),
        // rescaled by 1/(1 + 0.4²) = 1/1.16.
        var m = new TinyModel(2);
        var result = new CAGrad().Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 1)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 0.7 / 1.16, 0.7 / 1.16);
        Expect.Close(result.Weights, 0.7 / 1.16, 0.7 / 1.16);
        // Heads keep their ordinary gradients 2hᵢ.
        Expect.Close(m.Heads[0].Grad, 2);
        Expect.Close(m.Heads[1].Grad, 3);
    }

    [Theory]
    [InlineData(1, 0, -1, 2, 0.4)]
    [InlineData(3, 1, -1, 0.5, 0.4)]
    [InlineData(1, 0, -0.5, 1, 0.9)]
    [InlineData(2, 0, 0, 0.1, 0.4)]
    [InlineData(1, 0, -1, 0.05f, 0.4)]
    [InlineData(1, 0.5f, -1, -0.48f, 0.1)]
    public void TwoTasks_MatchTheDualSolvedByTernarySearch(float a0, float a1, float b0, float b1, double c)
    {
        // The paper's dual: min over γ ∈ [0, 1] of F(γ) = g_γ·g₀ + c‖g₀‖·‖g_γ‖, g_γ = γg₁ + (1 − γ)g₂, convex in γ,
        // solved here by ternary search; then d = (g₀ + c‖g₀‖·g_γ/‖g_γ‖) / (1 + c²).
        double[] g1 = [a0, a1], g2 = [b0, b1], g0 = [(a0 + b0) / 2.0, (a1 + b1) / 2.0];
        double r = c * Math.Sqrt(g0[0] * g0[0] + g0[1] * g0[1]);
        double[] At(double gamma) => [gamma * g1[0] + (1 - gamma) * g2[0], gamma * g1[1] + (1 - gamma) * g2[1]];
        double F(double gamma)
        {
            var g = At(gamma);
            return g[0] * g0[0] + g[1] * g0[1] + r * Math.Sqrt(g[0] * g[0] + g[1] * g[1]);
        }
        double lo = 0, hi = 1;
        for (int i = 0; i < 300; i++)
        {
            double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
            if (F(m1) <= F(m2)) hi = m2; else lo = m1;
        }
        var gw = At((lo + hi) / 2);
        double norm = Math.Sqrt(gw[0] * gw[0] + gw[1] * gw[1]);
        double[] expected = [(g0[0] + r * gw[0] / norm) / (1 + c * c), (g0[1] + r * gw[1] / norm) / (1 + c * c)];

        var m = new TinyModel(2);
        var result = new CAGrad(c).Backward([m.Linear(0, a0, a1), m.Linear(1, b0, b1)], m.Context("t1", "t2"));
        var actual = m.Theta.Grad!.ToArray();
        actual[0].Should().BeApproximately((float)expected[0], 1e-5f);
        actual[1].Should().BeApproximately((float)expected[1], 1e-5f);
        // The weights are the coefficients of the gradients in the shared update.
        (result.Weights[0] * a0 + result.Weights[1] * b0).Should().BeApproximately(actual[0], 1e-5);
    }

    [Fact]
    public void Direction_IsTheBestWorstCaseInTheBall()
    {
        // Primal check: no d' with ‖d' − g₀‖ ≤ c‖g₀‖ improves minᵢ gᵢ·d' over CAGrad's d (before the 1/(1 + c²) rescale).
        double[][] g = [[1, 0], [-1, 2], [0.5, -1]];
        var m = new TinyModel(3);
        new CAGrad(rescale: false).Backward([.. g.Select((v, i) => m.Linear(i, (float)v[0], (float)v[1]))], m.Context("t1", "t2", "t3"));
        var d = m.Theta.Grad!.ToArray().Select(x => (double)x).ToArray();
        double[] g0 = [g.Average(v => v[0]), g.Average(v => v[1])];
        double radius = 0.4 * Math.Sqrt(g0[0] * g0[0] + g0[1] * g0[1]);
        double Worst(double[] x) => g.Min(v => v[0] * x[0] + v[1] * x[1]);
        Math.Sqrt(Math.Pow(d[0] - g0[0], 2) + Math.Pow(d[1] - g0[1], 2)).Should().BeApproximately(radius, 1e-5, "the optimum is on the ball's boundary");
        for (int k = 0; k < 3600; k++)
        {
            double angle = 2 * Math.PI * k / 3600;
            double[] candidate = [g0[0] + radius * Math.Cos(angle), g0[1] + radius * Math.Sin(angle)];
            Worst(candidate).Should().BeLessThanOrEqualTo(Worst(d) + 1e-5);
        }
    }

    [Fact]
    public void ZeroRadius_IsTheMeanGradient()
    {
        var m = new TinyModel(3);
        var result = new CAGrad(c: 0).Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 2), m.Linear(2, 3, -4)], m.Context("t1", "t2", "t3"));
        Expect.Close(m.Theta.Grad, 1, -2.0 / 3);
        Expect.Close(result.Weights, 1.0 / 3, 1.0 / 3, 1.0 / 3);
    }

    [Fact]
    public void AbsentTask_IsLeftOut()
    {
        // With t2 absent the result is the two-task orthogonal case.
        var m = new TinyModel(3);
        var result = new CAGrad().Backward([m.Linear(0, 1, 0), null, m.Linear(2, 0, 1)], m.Context("t1", "t2", "t3"));
        Expect.Close(m.Theta.Grad, 0.7 / 1.16, 0.7 / 1.16);
        result.Weights[1].Should().Be(0);
    }

    [Fact]
    public void RadiusOutsideTheRange_IsRefused()
    {
        FluentActions.Invoking(() => new CAGrad(c: 1)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*[0, 1)*");
        FluentActions.Invoking(() => new CAGrad(c: -0.1)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
