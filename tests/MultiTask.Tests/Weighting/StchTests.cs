using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class StchTests
{
    private static Parameter[] Losses(params float[] values) => [.. values.Select(v => new Parameter(Tensor.Scalar(v)))];

    [Fact]
    public void WarmUp_ThenRecordsTheIdealPoint_ThenSmoothTchebycheffOfTheLogRatios()
    {
        var ctx = new WeightingContext(["a", "b"], []);
        var stch = new Stch(mu: 0.5, warmupEpochs: 1);

        // Epoch 0 (warm-up): Σ log Lᵢ, weights 1/Lᵢ.
        var warm = stch.Backward(Losses(9, 1), ctx);
        Expect.Close(warm.Weights, 1.0 / 9, 1);
        Expect.Close(warm.Objective, Math.Log(9));

        // Epoch 1 records the average losses: (4 + 2)/2 = 3 and (1 + 3)/2 = 2.
        ctx.Epoch = 1;
        stch.Backward(Losses(4, 1), ctx);
        stch.Backward(Losses(2, 3), ctx);
        stch.IdealLosses.Should().BeNull();

        // Epoch 2: L = (6, 1), rᵢ = Lᵢ/L̄ᵢ = (2, 0.5); with μ = ½: exp(log rᵢ/μ) = rᵢ² = (4, ¼).
        ctx.Epoch = 2;
        var losses = Losses(6, 1);
        var result = stch.Backward(losses, ctx);

        stch.IdealLosses.Should().Equal(3, 2);
        Expect.Close(result.Objective, 2 * 0.5 * Math.Log(4.25));
        double p1 = 4 / 4.25, p2 = 0.25 / 4.25;
        // ∂/∂Lᵢ = K·pᵢ·wᵢ/Lᵢ.
        Expect.Close(result.Weights, 2 * p1 / 6, 2 * p2 / 1);
        Expect.Close(losses[0].Grad, 2 * p1 / 6);
        Expect.Close(losses[1].Grad, 2 * p2 / 1);
    }

    [Fact]
    public void Preferences_ScaleEachLogRatio()
    {
        var ctx = new WeightingContext(["a", "b"], []);
        var stch = new Stch(mu: 1, warmupEpochs: 0, preferences: new Dictionary<string, double> { ["b"] = 2 });
        stch.Backward(Losses(1, 1), ctx);
        ctx.Epoch = 1;

        var result = stch.Backward(Losses(2, 3), ctx);

        // exp(wᵢ·log rᵢ) = (2, 3²) = (2, 9): objective 2·log 11, weights 2·pᵢ·wᵢ/Lᵢ.
        Expect.Close(result.Objective, 2 * Math.Log(11));
        Expect.Close(result.Weights, 2 * (2.0 / 11) * 1 / 2, 2 * (9.0 / 11) * 2 / 3);
    }

    [Fact]
    public void UnknownPreferenceTask_ListsTheKnownTasks()
    {
        var act = () => new Stch(preferences: new Dictionary<string, double> { ["zz"] = 2 }).Initialize(new WeightingContext(["a"], []));
        act.Should().Throw<ArgumentException>().WithMessage("*unknown task(s) 'zz'*Known tasks: 'a'*");
    }
}
