using FluentAssertions;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class DbMtlTests
{
    [Fact]
    public void Backward_LogLossGradients_MovingAverage_ScaledToTheLargestNorm()
    {
        // L1 = θ·(3, 4) + h1² = 11 + 1 = 12, L2 = θ·(1, 0) + h2² = 1 + 2.25 = 3.25.
        // ∇θ log Lᵢ = gᵢ/Lᵢ: (0.25, 1/3) and (1/3.25, 0); ∇hᵢ log Lᵢ = 2hᵢ/Lᵢ.
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var db = new DbMtl(beta: 0.9, betaSigma: 0);
        double[] g1 = [0.25, 1.0 / 3], g2 = [1 / 3.25, 0];

        var first = db.Backward([m.Linear(0, 3, 4), m.Linear(1, 1, 0)], ctx);

        // Step 1: ĝ = g + 0.9·(0 − g) = 0.1·g; α = max‖ĝ‖/‖ĝᵢ‖ = (1, ‖g1‖/‖g2‖).
        double n1 = Math.Sqrt(g1[0] * g1[0] + g1[1] * g1[1]), n2 = g2[0];
        double alpha2 = n1 / n2;
        Expect.Close(first.Weights, 1, alpha2);
        Expect.Close(m.Theta.Grad, 0.1 * (g1[0] + alpha2 * g2[0]), 0.1 * g1[1]);
        Expect.Close(m.Heads[0].Grad, 2 * 1.0 / 12);
        Expect.Close(m.Heads[1].Grad, 2 * 1.5 / 3.25);
        Expect.Close(first.Objective, Math.Log(12) + Math.Log(3.25));

        // Step 2, same gradients: ĝ = g + 0.9·(0.1·g − g) = 0.19·g.
        m.ZeroGrad();
        db.Backward([m.Linear(0, 3, 4), m.Linear(1, 1, 0)], ctx);
        Expect.Close(m.Theta.Grad, 0.19 * (g1[0] + alpha2 * g2[0]), 0.19 * g1[1]);
    }

    [Fact]
    public void BetaSigma_DecaysTheFactorAsBetaOverKToTheSigma()
    {
        var m = new TinyModel(1);
        var ctx = m.Context("t1");
        var db = new DbMtl(beta: 0.5, betaSigma: 1);
        db.Backward([m.Linear(0, 3, 4)], ctx);
        m.ZeroGrad();
        db.Backward([m.Linear(0, 3, 4)], ctx);
        // Step 1: ĝ = (1 − 0.5)·g; step 2 factor 0.5/2: ĝ = g + 0.25·(0.5·g − g) = 0.875·g; g = (3, 4)/12.
        Expect.Close(m.Theta.Grad, 0.875 * 0.25, 0.875 / 3);
    }

    [Fact]
    public void WithoutSharedParameters_Throws()
    {
        var act = () => new DbMtl().Initialize(new WeightingContext(["a"], []));
        act.Should().Throw<ArgumentException>().WithMessage("*has none*");
    }
}
