using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

/// <summary>
/// The loss-space methods with state (FAMO's logits, GradNorm's learned weights, STCH's ideal point) over several
/// steps, some with a task absent, against an independent float64 re-implementation of the papers
/// (tests/reference/make_weighting_goldens.py, "stateful_cases").
/// </summary>
public class StatefulWeightingGoldenTests
{
    private static JsonNode Golden() => WeightingGoldenTests.Golden();

    public static IEnumerable<object[]> Cases() =>
        Golden()["stateful_cases"]!.AsArray().Select(c => new object[] { (string)c!["name"]! });

    [Fact]
    public void Golden_file_covers_famo_gradnorm_and_stch()
    {
        var methods = Golden()["stateful_cases"]!.AsArray().Select(c => (string)c!["method"]!).ToHashSet();
        methods.Should().BeEquivalentTo(["Famo", "GradNorm", "Stch"]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Weights_and_direction_match_the_reference_over_steps(string caseName)
    {
        var c = Golden()["stateful_cases"]!.AsArray().Single(n => (string)n!["name"]! == caseName)!;
        var gradients = c["gradients"]!.AsArray().Select(ToDoubles).ToArray();
        var losses = c["losses"]!.AsArray().Select(r => r!.AsArray().Select(v => v is null ? (double?)null : (double)v).ToArray()).ToArray();
        var scales = c["step_scales"]!.AsArray().Select(ToDoubles).ToArray();
        var epochs = c["epochs"] is JsonArray e ? e.Select(v => (int)v!).ToArray() : null;
        var p = c["params"]!;
        int dims = gradients[0].Length;
        var theta = new Parameter(Tensor.FromArray(new float[dims], dims));
        var names = Enumerable.Range(1, gradients.Length).Select(i => $"t{i}").ToArray();
        var context = new WeightingContext(names, [theta], [theta]);
        double learningRate = 0;
        LossWeighting weighting = (string)c["method"]! switch
        {
            "Famo" => new Famo(learningRate: (double)p["learning_rate"]!, weightDecay: (double)p["weight_decay"]!),
            "GradNorm" => new GradNorm(alpha: (double)p["alpha"]!),
            "Stch" when p["mu"] is null => new Stch(),
            "Stch" => new Stch(mu: (double)p["mu"]!, warmupEpochs: (int)p["warmup_epochs"]!,
                preferences: p["preferences"]!.AsObject().ToDictionary(kv => kv.Key, kv => (double)kv.Value!)),
            var other => throw new InvalidOperationException($"No factory for {other}."),
        };
        if (weighting is GradNorm) learningRate = (double)p["learning_rate"]!;
        weighting.Initialize(context);

        var steps = c["steps"]!.AsArray();
        steps.Should().HaveCount(losses.Length);
        for (int k = 0; k < steps.Count; k++)
        {
            theta.Grad = null;
            weighting.ZeroGrad();
            if (epochs is not null) context.Epoch = epochs[k];
            // Lᵢ = θ·(sₖᵢ·gᵢ) + cₖᵢ at θ = 0: the loss is cₖᵢ, its gradient sₖᵢ·gᵢ; null: no labels in the batch.
            var batch = gradients.Select((g, i) => losses[k][i] is double value
                ? (Tensor?)(theta.Dot(Tensor.FromArray([.. g.Select(v => (float)(v * scales[k][i]))], dims)) + (float)value)
                : null).ToArray();
            var result = weighting.Backward(batch, context);

            var step = steps[k]!;
            string at = $"{caseName}, step {k + 1}";
            var expectedWeights = ToDoubles(step["weights"]);
            Within(result.Weights, expectedWeights).Should().BeTrue($"{at}: weights ({string.Join(", ", result.Weights)}), expected ({string.Join(", ", expectedWeights)})");
            var direction = theta.Grad!.ToArray();
            var expectedDirection = ToDoubles(step["direction"]);
            Within(direction, expectedDirection).Should().BeTrue($"{at}: direction ({string.Join(", ", direction)}), expected ({string.Join(", ", expectedDirection)})");
            if (weighting is Famo famo)
            {
                var logits = famo.Logits;
                Within(logits, ToDoubles(step["logits"])).Should().BeTrue($"{at}: logits ({string.Join(", ", logits)})");
            }
            if (weighting is GradNorm gradNorm)
            {
                result.Diagnostics!["grad_loss"].Should().BeApproximately((double)step["grad_loss"]!, 1e-5 * Math.Max(1, Math.Abs((double)step["grad_loss"]!)), at);
                var w = gradNorm.TaskWeights;
                var grads = w.Grad!.ToArray();
                Within(grads, ToDoubles(step["weight_grads"])).Should().BeTrue($"{at}: weight gradients ({string.Join(", ", grads)})");
                // The reference's optimizer: a plain SGD step on the weights, then GradNorm's clamp and renormalisation.
                var span = w.AsSpan();
                for (int i = 0; i < span.Length; i++) span[i] -= (float)(learningRate * grads[i]);
                weighting.AfterOptimizerStep(context);
            }
            context.Step++;
        }
    }

    private static double[] ToDoubles(JsonNode? node) => WeightingGoldenTests.ToDoubles(node);

    private static bool Within<T>(IReadOnlyList<T> actual, IReadOnlyList<double> expected) where T : IConvertible =>
        WeightingGoldenTests.Within(actual, expected);
}
