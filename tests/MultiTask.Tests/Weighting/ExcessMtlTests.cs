using FluentAssertions;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class ExcessMtlTests
{
    [Fact]
    public void Backward_FirstStepRecordsTheEstimates_LaterStepsReweightByTheirRatio()
    {
        // Lᵢ = θ·gᵢ + hᵢ², so the shared gradient is gᵢ exactly.
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var excess = new ExcessMtl(stepSize: 0.5);

        var first = excess.Backward([m.Linear(0, 3, 4), m.Linear(1, 1, 0)], ctx);

        // Step 1: G1 = (9, 16), e1 = 9/3 + 16/4 = 7; G2 = (1, 0), e2 = 1/1 + 0 = 1. Weights stay 1.
        Expect.Close(first.Weights, 1, 1);
        Expect.Close(m.Theta.Grad, 3 + 1, 4 + 0);

        m.ZeroGrad();
        var second = excess.Backward([m.Linear(0, 3, 4), m.Linear(1, 2, 0)], ctx);

        // Step 2: G1 = (18, 32), e1 = 9/√18 + 16/√32, r1 = e1/7; G2 = (5, 0), e2 = 4/√5, r2 = e2/1.
        double r1 = (9 / Math.Sqrt(18) + 16 / Math.Sqrt(32)) / 7, r2 = 4 / Math.Sqrt(5);
        double u1 = Math.Exp(0.5 * r1), u2 = Math.Exp(0.5 * r2);
        double w1 = 2 * u1 / (u1 + u2), w2 = 2 * u2 / (u1 + u2);
        Expect.Close(second.Weights, w1, w2);
        Expect.Close(m.Theta.Grad, w1 * 3 + w2 * 2, w1 * 4);
        Expect.Close(excess.TaskWeights, w1, w2);
        w2.Should().BeGreaterThan(w1, "the task whose excess-risk estimate fell less gains weight");
    }
}
