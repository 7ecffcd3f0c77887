using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class GradVacTests
{
    [Fact]
    public void FirstStep_WithZeroTargets_IsPCGradsProjection()
    {
        // g1 = (1, 0), g2 = (−1, 1), targets 0: φ₁₂ = −1/√2 < 0, w₁₂ = ‖g1‖(0 − φ₁₂)/‖g2‖ = ½, g1' = (½, ½);
        // φ₂₁ = −1/√2, w₂₁ = ‖g2‖(0 − φ₂₁)/‖g1‖ = 1, g2' = (0, 1). Sum (½, 3/2); coefficients 1 + w: (2, 3/2).
        var m = new TinyModel(2);
        var gradVac = new GradVac();
        var result = gradVac.Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 1)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 0.5, 1.5);
        Expect.Close(result.Weights, 2, 1.5);
        Expect.Close(m.Heads[0].Grad, 2);
        // Targets move by β = 0.01 towards the observed similarity.
        gradVac.Target(0, 1).Should().BeApproximately(-0.01 / Math.Sqrt(2), 1e-12);
        gradVac.Target(1, 0).Should().BeApproximately(-0.01 / Math.Sqrt(2), 1e-12);
    }

    [Fact]
    public void GradientBelowItsTarget_IsRaisedExactlyToTheTarget()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var gradVac = new GradVac(beta: 0.5);
        // Step 1: g1 = (1, 0), g2 = (1, 1) agree (cos = 1/√2 above the target 0): no change, targets → ½·(1/√2).
        var first = gradVac.Backward([m.Linear(0, 1, 0), m.Linear(1, 1, 1)], ctx);
        Expect.Close(m.Theta.Grad, 2, 1);
        Expect.Close(first.Weights, 1, 1);
        double target = 0.5 / Math.Sqrt(2);
        gradVac.Target(0, 1).Should().BeApproximately(target, 1e-12);

        // Step 2: g1 = (1, 0), g2 = (0, 2) are orthogonal, below the target: g1' = g1 + w₁₂·g2 must have cos(g1', g2) = target.
        m.ZeroGrad();
        var second = gradVac.Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 2)], ctx);
        double w12 = second.Weights[1] - 1, w21 = second.Weights[0] - 1;
        double[] g1Adjusted = [1, 2 * w12];
        (g1Adjusted[1] * 2 / (Math.Sqrt(g1Adjusted[0] * g1Adjusted[0] + g1Adjusted[1] * g1Adjusted[1]) * 2)).Should().BeApproximately(target, 1e-9);
        double[] g2Adjusted = [w21, 2];
        (g2Adjusted[0] / Math.Sqrt(g2Adjusted[0] * g2Adjusted[0] + 4)).Should().BeApproximately(target, 1e-9);
        // The paper's closed form: w = ‖gᵢ‖(φ̂√(1 − φ²) − φ√(1 − φ̂²)) / (‖gⱼ‖√(1 − φ̂²)) with φ = 0.
        w12.Should().BeApproximately(1 * target / (2 * Math.Sqrt(1 - target * target)), 1e-9);
        Expect.Close(m.Theta.Grad, 1 + w21, 2 + 2 * w12);
        gradVac.Target(0, 1).Should().BeApproximately(0.5 * target, 1e-12, "the target moves towards the observed similarity 0");
    }

    [Fact]
    public void StateDict_Resume_ContinuesIdentically()
    {
        var m = new TinyModel(3);
        var ctx = m.Context("t1", "t2", "t3");
        var g = new Generator(5);
        var batches = Enumerable.Range(0, 11).Select(_ => Enumerable.Range(0, 6).Select(_ => (float)g.NextNormal()).ToArray()).ToArray();
        Tensor?[] Losses(int s) => [m.Linear(0, batches[s][0], batches[s][1]), m.Linear(1, batches[s][2], batches[s][3]), m.Linear(2, batches[s][4], batches[s][5])];

        var original = new GradVac(beta: 0.3, seed: 9);
        for (int s = 0; s < 3; s++) original.Backward(Losses(s), ctx);
        var snapshot = original.StateDict();
        var expected = new List<float[]>();
        for (int s = 3; s < 11; s++)
        {
            m.ZeroGrad();
            original.Backward(Losses(s), ctx);
            expected.Add(m.Theta.Grad!.ToArray());
        }

        var resumed = new GradVac(beta: 0.3);
        resumed.LoadStateDict(snapshot);
        resumed.Seed.Should().Be(9);
        for (int s = 3; s < 11; s++)
        {
            m.ZeroGrad();
            resumed.Backward(Losses(s), ctx);
            m.Theta.Grad!.ToArray().Should().Equal(expected[s - 3]);
        }
    }

    [Fact]
    public void DamagedOrMismatchedSnapshot_IsRefused()
    {
        var m = new TinyModel(2);
        var gradVac = new GradVac();
        gradVac.Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 1)], m.Context("t1", "t2"));
        var snapshot = gradVac.StateDict();
        snapshot.Values["target.0.1"] = 2;
        new GradVac().Invoking(v => v.LoadStateDict(snapshot)).Should().Throw<ArgumentException>().WithMessage("*target.0.1*");

        var three = new TinyModel(3);
        var other = new GradVac();
        other.Backward([three.Linear(0, 1, 0), three.Linear(1, 0, 1), three.Linear(2, 1, 1)], three.Context("t1", "t2", "t3"));
        other.Invoking(v => v.LoadStateDict(gradVac.StateDict())).Should().Throw<ArgumentException>().WithMessage("*2 tasks*has 3*");
        FluentActions.Invoking(() => new GradVac(beta: 0)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
