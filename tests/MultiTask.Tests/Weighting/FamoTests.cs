using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class FamoTests
{
    private static Parameter[] Losses(params float[] values) => [.. values.Select(v => new Parameter(Tensor.Scalar(v)))];

    [Fact]
    public void FirstStep_EqualLogits_WeightsAreZOverCD()
    {
        // z = (½, ½), L = (9, 1): c = ½/9 + ½/1 = 5/9, weights zᵢ/(c·Lᵢ) = (0.1, 0.9), objective Σ zᵢ·log Lᵢ / c.
        var losses = Losses(9, 1);
        var ctx = new WeightingContext(["a", "b"], []);

        var result = new Famo().Backward(losses, ctx);

        Expect.Close(result.Weights, 0.1, 0.9);
        Expect.Close(result.Objective, 0.5 * Math.Log(9) / (5.0 / 9));
        Expect.Close(losses[0].Grad, 0.1);
        Expect.Close(losses[1].Grad, 0.9);
    }

    [Fact]
    public void SecondStep_LogitsTakeOneAdamStepOnTheSoftmaxJacobianOfTheLogLossDecrease()
    {
        var ctx = new WeightingContext(["a", "b"], []);
        var famo = new Famo(learningRate: 0.025, weightDecay: 1e-3);
        famo.Backward(Losses(9, 1), ctx);

        var losses = Losses(3, 0.5f);
        var result = famo.Backward(losses, ctx);

        // δ = (log 9 − log 3, log 1 − log 0.5); with z = (½, ½): gⱼ = zⱼ(δⱼ − Σ zᵢδᵢ) (+ γ·ξⱼ = 0).
        double d1 = Math.Log(3), d2 = Math.Log(2), mean = 0.5 * (d1 + d2);
        double[] g = [0.5 * (d1 - mean), 0.5 * (d2 - mean)];
        // Adam's first step: m̂ = g, v̂ = g², so ξ = −lr·g/(|g| + 1e-8).
        double[] xi = [.. g.Select(v => -0.025 * v / (Math.Abs(v) + 1e-8))];
        famo.Logits[0].Should().BeApproximately((float)xi[0], 1e-7f);
        famo.Logits[1].Should().BeApproximately((float)xi[1], 1e-7f);
        double z1 = Math.Exp(xi[0]) / (Math.Exp(xi[0]) + Math.Exp(xi[1])), z2 = 1 - z1;
        double c = z1 / 3 + z2 / 0.5;
        Expect.Close(result.Weights, z1 / (c * 3), z2 / (c * 0.5));
        Expect.Close(result.Objective, (z1 * Math.Log(3) + z2 * Math.Log(0.5)) / c);
        z1.Should().BeLessThan(0.5, "the task whose log-loss fell most loses weight");
    }
}
