using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Tests.Saving;
using MultiTask.Weighting;

namespace MultiTask.Tests.Architectures;

public sealed class MmoeModelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("multitask-mmoe").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static MmoeModel Build(int inputSize, ExpertGateKind gate = ExpertGateKind.Softmax, ulong seed = 1, (string, int)[]? tasks = null) =>
        MmoeModel.Create(new ModelInput(inputSize, tasks ?? [("a", 1), ("b", 1)]), new MmoeOptions
        {
            Experts = 4, ExpertHidden = [8, 6], TowerHidden = [4], Mlp = ExpertModelChecks.Smooth, Gate = gate,
        }, new Generator(seed));

    [Fact]
    public void Names_shapes_and_partition()
    {
        var model = MmoeModel.Create(new ModelInput(5, ArchitectureTestUtil.HouseAndApartment),
            new MmoeOptions { Experts = 2, ExpertHidden = [6, 4], TowerHidden = [3] }, new Generator(1));

        model.StateDict().Keys.Should().Equal(
            "experts.0.0.weight", "experts.0.0.bias", "experts.0.2.weight", "experts.0.2.bias",
            "experts.1.0.weight", "experts.1.0.bias", "experts.1.2.weight", "experts.1.2.bias",
            "gates.house.linear.weight", "gates.house.linear.bias", "gates.apartment.linear.weight", "gates.apartment.linear.bias",
            "towers.house.0.weight", "towers.house.0.bias", "towers.house.2.weight", "towers.house.2.bias",
            "towers.apartment.0.weight", "towers.apartment.0.bias", "towers.apartment.2.weight", "towers.apartment.2.bias");
        model.NamedSharedParameters().Select(p => p.Key).Should().OnlyContain(k => k.StartsWith("experts."));
        model.NamedTaskParameters("house").Select(p => p.Key).Should().Equal(
            "gates.house.linear.weight", "gates.house.linear.bias", "towers.house.0.weight", "towers.house.0.bias", "towers.house.2.weight", "towers.house.2.bias");
        model.LastSharedParameters.Should().Equal(
            model.NamedParameters().Where(p => p.Key.StartsWith("experts.") && p.Key.Contains(".2.")).Select(p => p.Value).ToList());
        model.ExpertOutputSize.Should().Be(4);
        model.Penalty().Should().BeNull("softmax gates have no regulariser");

        var outputs = model.Forward(ExpertModelChecks.Inputs(7, 5));
        outputs["house"].Shape.Should().Equal(7, 1);
        outputs["apartment"].Shape.Should().Equal(7, 2);
    }

    [Fact]
    public void Output_is_the_tower_of_the_gate_weighted_sum_of_experts()
    {
        // Two experts x·[1, 0]ᵀ and x·[0, 1]ᵀ, a gate of logits (x0, −x0), identity-like towers.
        var experts = new List<Module<Tensor, Tensor>> { ArchitectureTestUtil.Fixed(new float[,] { { 1, 0 } }), ArchitectureTestUtil.Fixed(new float[,] { { 0, 1 } }) };
        var gate = new SoftmaxGate(new Linear(2, 2));
        Init.Zeros(gate.Linear.Bias!);
        Tensor.FromArray(new float[] { 1, 0, -1, 0 }, 2, 2).AsSpan().CopyTo(gate.Linear.Weight.AsSpan());
        var model = new MmoeModel(experts, 1, [("t", 1, gate, ArchitectureTestUtil.Fixed(new float[,] { { 2 } }))], inputSize: 2);

        var x = Tensor.FromArray(new float[] { 0.5f, 3f, -1f, 2f }, 2, 2);
        var y = model.Forward(x)["t"].ToArray();

        for (int r = 0; r < 2; r++)
        {
            double x0 = x[r, 0], x1 = x[r, 1];
            double g0 = Math.Exp(x0) / (Math.Exp(x0) + Math.Exp(-x0));
            y[r].Should().BeApproximately((float)(2 * (g0 * x0 + (1 - g0) * x1)), 1e-5f);
        }
    }

    [Theory]
    [InlineData(ExpertGateKind.Softmax)]
    [InlineData(ExpertGateKind.DSelectK)]
    public void Each_task_output_reaches_only_shared_and_its_own_parameters(ExpertGateKind gate)
    {
        var model = Build(5, gate, tasks: [("a", 1), ("b", 2), ("c", 1)]);
        var x = ExpertModelChecks.Inputs(16, 5);
        ExpertModelChecks.ShouldSeparateTasksByGradient(model, x);
        ExpertModelChecks.ForwardTaskShouldMatchForward(model, x);
    }

    [Fact]
    public void Input_layers_are_shared_by_experts_and_gates()
    {
        var data = SavingFixture.Dataset(60);
        var encoder = FeatureEncoder.Fit(data);
        var model = MmoeModel.Create(ModelInput.From(encoder), new MmoeOptions { Experts = 3, ExpertHidden = [6], Mlp = ExpertModelChecks.Smooth }, new Generator(2));

        model.InputLayers.Should().NotBeNull();
        model.NamedSharedParameters().Select(p => p.Key).Should().Contain(k => k.StartsWith("input.embeddings."));
        model.Gate(model.TaskNames[0]).InputSize.Should().Be(model.Experts[0] is Sequential s ? ((Linear)s[0]).InFeatures : -1);
        var x = encoder.Transform(data).Features;
        ExpertModelChecks.ShouldSeparateTasksByGradient(model, x);
    }

    [Theory]
    [InlineData(ExpertGateKind.Softmax)]
    [InlineData(ExpertGateKind.DSelectK)]
    public void Gate_weights_are_distributions_and_utilisation_averages_them(ExpertGateKind gate)
    {
        var model = Build(5, gate);
        var x = ExpertModelChecks.Inputs(10, 5);

        var weights = model.GateWeights(x);
        weights.Keys.Should().Equal("a", "b");
        foreach (var w in weights.Values)
        {
            w.Shape.Should().Equal(10, 4);
            w.RequiresGrad.Should().BeFalse();
            w.ToArray().Should().OnlyContain(v => v >= 0f);
            w.Sum(1).ToArray().Should().AllSatisfy(s => s.Should().BeApproximately(1f, 1e-5f));
        }

        var usage = model.ExpertUtilisation(x);
        usage.Gates.Should().Equal("a", "b");
        usage.Experts.Should().Equal("experts.0", "experts.1", "experts.2", "experts.3");
        usage["b", "experts.2"].Should().BeApproximately(weights["b"].Mean(0).ToArray()[2], 1e-6);
        Enumerable.Range(0, 4).Sum(e => usage[0, e]).Should().BeApproximately(1, 1e-5);
        usage.ToString().Should().Contain("experts.3").And.Contain("a ").And.Contain("0.");
    }

    [Fact]
    public void DSelectK_penalty_reaches_the_model_after_a_training_forward_pass()
    {
        var model = Build(5, ExpertGateKind.DSelectK);
        model.Penalty().Should().BeNull("no forward pass has given the per-example selectors yet");
        model.Forward(ExpertModelChecks.Inputs(8, 5));
        var penalty = model.Penalty();
        penalty.Should().NotBeNull();
        float expected = model.TaskNames.Sum(t => model.Gate(t).Penalty()!.Item());
        penalty!.Item().Should().BeApproximately(expected, 1e-9f + Math.Abs(expected) * 1e-5f);
        penalty.RequiresGrad.Should().BeTrue();
    }

    [Fact]
    public void Bad_options_give_clear_errors()
    {
        var input = new ModelInput(5, [("a", 1), ("b", 1)]);
        ((Action)(() => MmoeModel.Create(input, new MmoeOptions { Experts = 0 }))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Experts*at least 1*");
        ((Action)(() => MmoeModel.Create(input, new MmoeOptions { ExpertHidden = [] }))).Should().Throw<ArgumentException>().WithMessage("*ExpertHidden*at least one*");
        ((Action)(() => MmoeModel.Create(input, new MmoeOptions { ExpertHidden = [4, 0] }))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*layer 1*");
        ((Action)(() => MmoeModel.Create(input, new MmoeOptions { TowerHidden = null! }))).Should().Throw<ArgumentException>().WithMessage("*TowerHidden*");
        ((Action)(() => MmoeModel.Create(input, new MmoeOptions { Gate = ExpertGateKind.DSelectK, Experts = 3, DSelectK = new DSelectKOptions { SelectedExperts = 4 } })))
            .Should().Throw<ArgumentException>().WithMessage("*k = 4*Experts (3)*");
        ((Action)(() => MmoeModel.Create(input, new MmoeOptions { Gate = ExpertGateKind.DSelectK, DSelectK = new DSelectKOptions { Gamma = 0 } })))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Gamma*");
        ((Action)(() => MmoeModel.Create(input, new MmoeOptions { Gate = (ExpertGateKind)7 }))).Should().Throw<ArgumentOutOfRangeException>();

        var experts = new List<Module<Tensor, Tensor>> { new Linear(5, 3), new Linear(5, 3) };
        ((Action)(() => new MmoeModel(experts, 3, [("a", 1, new SoftmaxGate(5, 3), new Linear(3, 1))], inputSize: 5)))
            .Should().Throw<ArgumentException>().WithMessage("*mixes 3 experts*has 2*");
        ((Action)(() => new MmoeModel(experts, 3, [("a", 1, new SoftmaxGate(5, 2), new Linear(4, 1))], inputSize: 5)))
            .Should().Throw<ArgumentException>().WithMessage("*tower of task 'a'*4 features*output 3*");
        ((Action)(() => new MmoeModel(experts, 3, [("a", 1, new SoftmaxGate(6, 2), new Linear(3, 1))], inputSize: 5)))
            .Should().Throw<ArgumentException>().WithMessage("*reads 6 features*input has 5*");
        var wrongWidth = new MmoeModel(experts, 4, [("a", 1, new SoftmaxGate(5, 2), new Sequential(new Relu(), new Linear(4, 1)))], inputSize: 5);
        ((Action)(() => wrongWidth.Forward(ExpertModelChecks.Inputs(2, 5)))).Should().Throw<InvalidOperationException>().WithMessage("*experts.0*[2, 3]*[2, 4]*");
    }

    [Theory]
    [InlineData(ExpertGateKind.Softmax, "equal")]
    [InlineData(ExpertGateKind.Softmax, "pcgrad")]
    [InlineData(ExpertGateKind.DSelectK, "equal")]
    public void Training_lowers_the_loss(ExpertGateKind gate, string weighting)
    {
        var (first, last) = ExpertModelChecks.Train(w => Build(w, gate), weighting == "pcgrad" ? new PCGrad(seed: 1) : new EqualWeighting());
        last.Should().BeLessThan(first / 3);
    }

    [Fact]
    public void Freezing_the_experts_leaves_them_unchanged() => ExpertModelChecks.FreezingSharedShouldKeepThemFixed(w => Build(w));

    [Fact]
    public void A_checkpoint_resumes_bit_for_bit() =>
        ExpertModelChecks.CheckpointShouldResumeBitForBit((w, seed) => Build(w, ExpertGateKind.DSelectK, seed), _root);
}
