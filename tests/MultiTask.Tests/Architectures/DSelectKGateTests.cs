using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tests.Training;
using MultiTask.Training;

namespace MultiTask.Tests.Architectures;

public class DSelectKGateTests
{
    /// <summary>Sets the per-example selectors to constant logits: selector i gets ±<paramref name="scale"/> on each digit of <paramref name="codes"/>[i].</summary>
    private static void Saturate(DSelectKGate gate, int[] codes, float scale = 5f)
    {
        Init.Zeros(gate.ZLinear!.Weight);
        var bias = gate.ZLinear.Bias!.AsSpan();
        int m = gate.BinaryDigits;
        for (int i = 0; i < codes.Length; i++)
            for (int j = 0; j < m; j++) bias[i * m + j] = ((codes[i] >> (m - 1 - j)) & 1) == 1 ? scale : -scale;
    }

    [Fact]
    public void Smooth_step_is_zero_below_one_above_and_a_cubic_between()
    {
        const double gamma = 2;
        var t = Tensor.FromArray(new float[] { -3f, -1f, -0.5f, 0f, 0.5f, 1f, 3f }, 7).RequireGrad();
        var s = DSelectKGate.SmoothStep(t, gamma);
        var expected = new[] { -3.0, -1, -0.5, 0, 0.5, 1, 3 }.Select(x => Math.Abs(x) >= 1 ? (x > 0 ? 1.0 : 0.0) : -2 * x * x * x / 8 + 3 * x / 4 + 0.5).ToArray();
        s.ToArray().Select(v => (double)v).Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-6);

        s.Sum().Backward();
        var slope = t.Grad!.ToArray();
        slope[0].Should().Be(0f);
        slope[6].Should().Be(0f);
        slope[3].Should().BeApproximately((float)(3 / (2 * gamma)), 1e-6f);
    }

    [Fact]
    public void Names_and_shapes_of_both_variants()
    {
        var perExample = new DSelectKGate(5, 8, new DSelectKOptions { SelectedExperts = 3 }, new Generator(1));
        perExample.StateDict().Keys.Should().Equal("z_logits.weight", "z_logits.bias", "w_logits.weight", "w_logits.bias");
        perExample.ZLinear!.Weight.Shape.Should().Equal(9, 5);
        perExample.WLinear!.Weight.Shape.Should().Equal(3, 5);
        // z starts inside ±γ/100: every selector undecided.
        perExample.ZLinear.Weight.ToArray().Should().OnlyContain(v => Math.Abs(v) <= 0.01f);

        var fixedGate = new DSelectKGate(5, 8, new DSelectKOptions { SelectedExperts = 3, PerExample = false }, new Generator(1));
        fixedGate.StateDict().Keys.Should().Equal("z_logits", "w_logits");
        fixedGate.ZLogits!.Shape.Should().Equal(3, 3);
        fixedGate.WLogits!.Shape.Should().Equal(3);
        var w = fixedGate.Forward(ExpertModelChecks.Inputs(4, 5)).ToArray();
        w.Length.Should().Be(32);
        for (int r = 1; r < 4; r++) w.Skip(8 * r).Take(8).Should().Equal(w.Take(8), "the static gate routes every example alike");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void With_a_power_of_two_every_selector_and_every_row_sums_to_one(int experts)
    {
        var gate = new DSelectKGate(5, experts, new DSelectKOptions { SelectedExperts = 2 }, new Generator(3));
        Init.Uniform(gate.ZLinear!.Weight, -1, 1, new Generator(4));
        var x = ExpertModelChecks.Inputs(6, 5);
        gate.Selectors(x).Sum(-1).ToArray().Should().AllSatisfy(v => v.Should().BeApproximately(1f, 1e-5f));
        gate.Forward(x).Sum(-1).ToArray().Should().AllSatisfy(v => v.Should().BeApproximately(1f, 1e-5f));
    }

    [Fact]
    public void Saturated_selectors_give_exactly_k_non_zero_weights()
    {
        var gate = new DSelectKGate(5, 8, new DSelectKOptions { SelectedExperts = 2 }, new Generator(3));
        Saturate(gate, [5, 2]);
        var w = gate.Forward(ExpertModelChecks.Inputs(6, 5));
        var softmax = gate.WLinear!.Forward(ExpertModelChecks.Inputs(6, 5)).Softmax(-1).ToArray();
        var values = w.ToArray();
        for (int r = 0; r < 6; r++)
        {
            var row = values.Skip(8 * r).Take(8).ToArray();
            row.Count(v => v != 0f).Should().Be(2);
            row[5].Should().BeApproximately(softmax[2 * r], 1e-6f);
            row[2].Should().BeApproximately(softmax[2 * r + 1], 1e-6f);
        }

        // Two selectors on one expert select it alone, with weight 1.
        Saturate(gate, [6, 6]);
        var single = gate.Forward(ExpertModelChecks.Inputs(3, 5)).ToArray();
        single.Count(v => v != 0f).Should().Be(3);
        single.Where(v => v != 0f).Should().AllSatisfy(v => v.Should().BeApproximately(1f, 1e-6f));
    }

    [Fact]
    public void Entropy_penalty_is_lambda_times_the_mean_selector_entropy()
    {
        const double lambda = 0.3;
        var gate = new DSelectKGate(5, 4, new DSelectKOptions { SelectedExperts = 2, EntropyStrength = lambda }, new Generator(3));
        Init.Uniform(gate.ZLinear!.Weight, -0.5, 0.5, new Generator(4));
        gate.Penalty().Should().BeNull("the per-example gate regularises the selectors of its last training forward pass");
        var x = ExpertModelChecks.Inputs(6, 5);
        var other = ExpertModelChecks.Inputs(3, 5, seed: 9);
        gate.Forward(x);
        using (Module.EvaluationScope()) gate.Forward(other);

        var r = gate.Selectors(x).ToArray();
        double entropy = r.Sum(v => -v * Math.Log(v + 1e-6)) / 6;
        var penalty = gate.Penalty()!;
        penalty.Item().Should().BeApproximately((float)(lambda * entropy), 1e-6f, "an evaluation forward pass does not replace the training batch");
        entropy.Should().BeGreaterThan(1, "undecided selectors have high entropy");

        penalty.Backward();
        gate.ZLinear.Weight.Grad!.ToArray().Should().Contain(v => v != 0f);

        // Saturated, each selector has one weight of 1: the entropy is −log(1 + 1e-6) per selector, practically zero.
        Saturate(gate, [1, 3]);
        gate.Forward(x);
        gate.Penalty()!.Item().Should().BeApproximately(0f, 1e-6f);
        new DSelectKGate(5, 4, new DSelectKOptions { EntropyStrength = 0 }).Penalty().Should().BeNull();
    }

    [Fact]
    public void Static_gate_penalty_needs_no_forward_pass()
    {
        var gate = new DSelectKGate(5, 4, new DSelectKOptions { SelectedExperts = 2, PerExample = false, EntropyStrength = 1 }, new Generator(3));
        var r = gate.Selectors(ExpertModelChecks.Inputs(2, 5)).ToArray();
        gate.Penalty()!.Item().Should().BeApproximately((float)r.Sum(v => -v * Math.Log(v + 1e-6)), 1e-5f);
    }

    [Fact]
    public void With_unreachable_codes_the_penalty_keeps_weight_on_real_experts()
    {
        // Three experts, two digits: code 3 reaches no expert.
        var gate = new DSelectKGate(5, 3, new DSelectKOptions { SelectedExperts = 1, EntropyStrength = 0 }, new Generator(3));
        gate.IsPowerOfTwo.Should().BeFalse();
        var x = ExpertModelChecks.Inputs(4, 5);
        Saturate(gate, [1]);
        gate.Forward(x).ToArray().Should().Equal([0f, 1f, 0f, 0f, 1f, 0f, 0f, 1f, 0f, 0f, 1f, 0f]);
        gate.Penalty()!.Item().Should().Be(0f, "all the weight is on a real expert");

        Saturate(gate, [3], scale: 0.2f);
        var rows = gate.Forward(x).Sum(-1).ToArray();
        rows.Should().OnlyContain(v => v < 1f, "part of the weight sits on the unreachable code");
        double reach = rows.Average(v => 1 / v - 1);
        gate.Penalty()!.Item().Should().BeApproximately((float)reach, 1e-5f);
    }

    [Fact]
    public void Bad_arguments_give_clear_errors()
    {
        ((Action)(() => new DSelectKGate(5, 1))).Should().Throw<ArgumentException>().WithMessage("*at least 2 experts*");
        ((Action)(() => new DSelectKGate(5, 4, new DSelectKOptions { SelectedExperts = 5 }))).Should().Throw<ArgumentException>().WithMessage("*k = 5*4 experts*");
        ((Action)(() => new DSelectKGate(5, 4, new DSelectKOptions { SelectedExperts = 0 }))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*SelectedExperts*");
        ((Action)(() => new DSelectKGate(5, 4, new DSelectKOptions { EntropyStrength = -1 }))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*EntropyStrength*");
        ((Action)(() => new DSelectKGate(5, 4).Forward(ExpertModelChecks.Inputs(2, 3)))).Should().Throw<ArgumentException>().WithMessage("*[batch, 5]*[2, 3]*");
    }

    /// <summary>Trains an 8-expert DSelect-k MMoE (k = 2) on the two-task regression; returns each task's non-zero gate weights per row.</summary>
    private static Dictionary<string, int[]> TrainedNonZeros(double lambda, bool perExample, int epochs)
    {
        var (train, _) = TrainingData.Encoded();
        var model = MmoeModel.Create(new ModelInput(train.Width, [("a", 1), ("b", 1)]), new MmoeOptions
        {
            Experts = 8, ExpertHidden = [8], TowerHidden = [], Gate = ExpertGateKind.DSelectK,
            DSelectK = new DSelectKOptions { SelectedExperts = 2, EntropyStrength = lambda, PerExample = perExample },
        }, new Generator(1));
        new MultiTaskTrainer(model, new TrainerOptions
        {
            Epochs = epochs, BatchSize = 32, Seed = 3, Optimizer = new AdamOptions { LearningRate = 1e-2 },
        }).Fit(train);
        return model.GateWeights(train.Features).ToDictionary(p => p.Key, p =>
        {
            var v = p.Value.ToArray();
            return Enumerable.Range(0, p.Value.Shape[0]).Select(r => v.Skip(8 * r).Take(8).Count(x => x != 0f)).ToArray();
        });
    }

    [Fact]
    public void Trained_with_the_entropy_regulariser_a_static_gate_selects_at_most_k_experts()
    {
        // The trainer adds the model's Penalty(); without it the selectors stay undecided and every expert keeps some weight.
        TrainedNonZeros(0.5, perExample: false, epochs: 20).Values.Should().AllSatisfy(rows => rows.Should().OnlyContain(n => n >= 1 && n <= 2));
        TrainedNonZeros(0.0, perExample: false, epochs: 20).Values.Should().AllSatisfy(rows => rows.Should().OnlyContain(n => n > 2));
    }

    [Fact]
    public void Trained_with_the_entropy_regulariser_per_example_gates_become_sparse()
    {
        var regularised = TrainedNonZeros(1.0, perExample: true, epochs: 40);
        var plain = TrainedNonZeros(0.0, perExample: true, epochs: 40);
        foreach (var task in new[] { "a", "b" })
        {
            regularised[task].Average().Should().BeLessThan(0.5 * plain[task].Average(), task);
            regularised[task].Count(n => n <= 2).Should().BeGreaterThan(regularised[task].Length / 3, task);
        }
    }
}
