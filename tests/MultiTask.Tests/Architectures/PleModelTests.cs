using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Architectures;

public sealed class PleModelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("multitask-ple").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static PleModel Build(int inputSize, int levels, ExpertGateKind gate = ExpertGateKind.Softmax, ulong seed = 1, (string, int)[]? tasks = null) =>
        PleModel.Create(new ModelInput(inputSize, tasks ?? [("a", 1), ("b", 1)]), new PleOptions
        {
            Levels = levels, SharedExperts = 2, TaskExperts = 2, ExpertHidden = [6], TowerHidden = [4], Mlp = ExpertModelChecks.Smooth, Gate = gate,
        }, new Generator(seed));

    [Fact]
    public void Cgc_names_and_partition()
    {
        var model = PleModel.Create(new ModelInput(5, ArchitectureTestUtil.HouseAndApartment),
            new PleOptions { Levels = 1, SharedExperts = 1, TaskExperts = 1, ExpertHidden = [4], TowerHidden = [] }, new Generator(1));

        model.StateDict().Keys.Should().Equal(
            "shared_experts.0.0.0.weight", "shared_experts.0.0.0.bias",
            "task_experts.0.house.0.0.weight", "task_experts.0.house.0.0.bias", "task_experts.0.apartment.0.0.weight", "task_experts.0.apartment.0.0.bias",
            "task_gates.0.house.linear.weight", "task_gates.0.house.linear.bias", "task_gates.0.apartment.linear.weight", "task_gates.0.apartment.linear.bias",
            "towers.house.0.weight", "towers.house.0.bias", "towers.apartment.0.weight", "towers.apartment.0.bias");
        model.NamedSharedParameters().Select(p => p.Key).Should().Equal("shared_experts.0.0.0.weight", "shared_experts.0.0.0.bias");
        model.NamedTaskParameters("house").Select(p => p.Key).Should().Equal(
            "task_experts.0.house.0.0.weight", "task_experts.0.house.0.0.bias", "task_gates.0.house.linear.weight", "task_gates.0.house.linear.bias",
            "towers.house.0.weight", "towers.house.0.bias");
        model.TaskGate(0, "house").ExpertCount.Should().Be(2);
        model.SharedGate(0).Should().BeNull();
        model.LastSharedParameters.Should().HaveCount(2);
        var y = model.Forward(ExpertModelChecks.Inputs(3, 5));
        y["house"].Shape.Should().Equal(3, 1);
        y["apartment"].Shape.Should().Equal(3, 2);
    }

    [Fact]
    public void Two_levels_share_the_first_levels_task_experts_through_the_shared_gate()
    {
        var model = Build(5, 2);
        model.SharedGate(0)!.ExpertCount.Should().Be(2 * 2 + 2);
        model.SharedGate(1).Should().BeNull();
        var shared = model.NamedSharedParameters().Select(p => p.Key).ToList();
        shared.Should().Contain(k => k.StartsWith("task_experts.0.a.")).And.Contain(k => k.StartsWith("shared_gates.0."));
        shared.Should().NotContain(k => k.StartsWith("task_gates.") || k.StartsWith("task_experts.1."));
        model.NamedTaskParameters("a").Select(p => p.Key).Should().Contain(k => k.StartsWith("task_gates.0.a.")).And.Contain(k => k.StartsWith("task_experts.1.a."));
    }

    [Theory]
    [InlineData(1, ExpertGateKind.Softmax)]
    [InlineData(2, ExpertGateKind.Softmax)]
    [InlineData(3, ExpertGateKind.Softmax)]
    [InlineData(3, ExpertGateKind.DSelectK)]
    public void Each_task_output_reaches_only_shared_and_its_own_parameters(int levels, ExpertGateKind gate)
    {
        var model = Build(5, levels, gate, tasks: [("a", 1), ("b", 2), ("c", 1)]);
        if (levels == 3)
        {
            // Level 0's task gates feed level 1's task experts, which the shared gate of level 1 reads: shared.
            model.NamedSharedParameters().Select(p => p.Key).Should().Contain(k => k.StartsWith("task_gates.0.a."));
        }
        var x = ExpertModelChecks.Inputs(16, 5);
        ExpertModelChecks.ShouldSeparateTasksByGradient(model, x);
        ExpertModelChecks.ForwardTaskShouldMatchForward(model, x);
    }

    [Fact]
    public void Cgc_output_is_the_tower_of_the_mixture_of_own_and_shared_experts()
    {
        // One shared expert x0, one own expert x1 per task, a gate of logits (x0, 0) over [own, shared].
        Module<Tensor, Tensor> Expert(int column) => ArchitectureTestUtil.Fixed(column == 0 ? new float[,] { { 1, 0 } } : new float[,] { { 0, 1 } });
        var gate = new SoftmaxGate(new Linear(2, 2));
        Init.Zeros(gate.Linear.Weight);
        Init.Zeros(gate.Linear.Bias!);
        gate.Linear.Weight.AsSpan()[0] = 1;
        var level = new PleLevel([Expert(0)], new Dictionary<string, IReadOnlyList<Module<Tensor, Tensor>>> { ["t"] = [Expert(1)] },
            new Dictionary<string, ExpertGate> { ["t"] = gate }, null, 1);
        var model = new PleModel([level], [("t", 1, ArchitectureTestUtil.Fixed(new float[,] { { 3 } }))], inputSize: 2);

        var x = Tensor.FromArray(new float[] { 0.4f, -2f, 1.5f, 0.25f }, 2, 2);
        var y = model.Forward(x)["t"].ToArray();
        for (int r = 0; r < 2; r++)
        {
            double x0 = x[r, 0], x1 = x[r, 1];
            double own = Math.Exp(x0) / (Math.Exp(x0) + 1);
            y[r].Should().BeApproximately((float)(3 * (own * x1 + (1 - own) * x0)), 1e-5f);
        }
    }

    [Fact]
    public void Gate_weights_and_utilisation_per_level()
    {
        var model = Build(5, 2);
        var x = ExpertModelChecks.Inputs(9, 5);

        var last = model.GateWeights(x);
        last.Keys.Should().Equal("a", "b");
        last["a"].Shape.Should().Equal(9, 4);
        last["a"].Sum(1).ToArray().Should().AllSatisfy(s => s.Should().BeApproximately(1f, 1e-5f));
        var shared = model.SharedGateWeights(x, 0);
        shared.Shape.Should().Equal(9, 6);
        shared.Sum(1).ToArray().Should().AllSatisfy(s => s.Should().BeApproximately(1f, 1e-5f));
        ((Action)(() => model.SharedGateWeights(x, 1))).Should().Throw<ArgumentException>().WithMessage("*last level*");
        ((Action)(() => model.GateWeights(x, 2))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*levels 0 … 1*");

        var usage = model.ExpertUtilisation(x, level: 0);
        usage.Gates.Should().Equal("a", "b", "shared");
        usage.Experts.Should().Equal("task_experts.0.a.0", "task_experts.0.a.1", "task_experts.0.b.0", "task_experts.0.b.1", "shared_experts.0.0", "shared_experts.0.1");
        double.IsNaN(usage["a", "task_experts.0.b.0"]).Should().BeTrue("task a's gate does not mix task b's experts");
        var first = model.GateWeights(x, 0)["b"].Mean(0).ToArray();
        usage["b", "task_experts.0.b.1"].Should().BeApproximately(first[1], 1e-6);
        usage["b", "shared_experts.0.0"].Should().BeApproximately(first[2], 1e-6);
        usage["shared", "task_experts.0.a.0"].Should().BeApproximately(shared.Mean(0).ToArray()[0], 1e-6);
        usage.ToString().Should().Contain("shared").And.Contain(" - ");
        model.ExpertUtilisation(x).Gates.Should().Equal("a", "b");
    }

    [Fact]
    public void Bad_options_and_levels_give_clear_errors()
    {
        var input = new ModelInput(5, [("a", 1), ("b", 1)]);
        ((Action)(() => PleModel.Create(input, new PleOptions { Levels = 0 }))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Levels*CGC*");
        ((Action)(() => PleModel.Create(input, new PleOptions { SharedExperts = 0 }))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*SharedExperts*");
        ((Action)(() => PleModel.Create(input, new PleOptions { TaskExperts = -1 }))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*TaskExperts*");
        ((Action)(() => PleModel.Create(input, new PleOptions { ExpertHidden = [] }))).Should().Throw<ArgumentException>().WithMessage("*ExpertHidden*");
        ((Action)(() => PleModel.Create(input, new PleOptions { Gate = ExpertGateKind.DSelectK, SharedExperts = 1, TaskExperts = 1, DSelectK = new() { SelectedExperts = 3 } })))
            .Should().Throw<ArgumentException>().WithMessage("*k = 3*2 experts a task gate mixes*");

        Module<Tensor, Tensor> E() => new Linear(5, 3);
        var own = new Dictionary<string, IReadOnlyList<Module<Tensor, Tensor>>> { ["a"] = [E()] };
        var gates = new Dictionary<string, ExpertGate> { ["a"] = new SoftmaxGate(5, 2) };
        ((Action)(() => new PleModel([new PleLevel([E()], own, gates, new SoftmaxGate(5, 2), 3)], [("a", 1, new Linear(3, 1))], inputSize: 5)))
            .Should().Throw<ArgumentException>().WithMessage("*last level*shared gate*");
        ((Action)(() => new PleModel([new PleLevel([E()], own, gates, null, 3), new PleLevel([new Linear(3, 3)], own, gates, null, 3)], [("a", 1, new Linear(3, 1))], inputSize: 5)))
            .Should().Throw<ArgumentException>().WithMessage("*Level 0 has no shared gate*");
        ((Action)(() => new PleModel([new PleLevel([E()], own, new Dictionary<string, ExpertGate> { ["a"] = new SoftmaxGate(5, 3) }, null, 3)], [("a", 1, new Linear(3, 1))], inputSize: 5)))
            .Should().Throw<ArgumentException>().WithMessage("*task 'a' at level 0 mixes 3 experts*1 own and 1 shared*");
        ((Action)(() => new PleModel([new PleLevel([E()], new Dictionary<string, IReadOnlyList<Module<Tensor, Tensor>>>(), gates, null, 3)], [("a", 1, new Linear(3, 1))], inputSize: 5)))
            .Should().Throw<ArgumentException>().WithMessage("*no expert list for task 'a'*");
        ((Action)(() => new PleModel([new PleLevel([E()], own, gates, null, 3)], [("a", 1, new Linear(4, 1))], inputSize: 5)))
            .Should().Throw<ArgumentException>().WithMessage("*tower of task 'a'*");
    }

    [Theory]
    [InlineData(1, "equal")]
    [InlineData(2, "equal")]
    [InlineData(2, "pcgrad")]
    public void Training_lowers_the_loss(int levels, string weighting)
    {
        var (first, last) = ExpertModelChecks.Train(w => Build(w, levels), weighting == "pcgrad" ? new PCGrad(seed: 1) : new EqualWeighting());
        last.Should().BeLessThan(first / 3);
    }

    [Fact]
    public void Freezing_the_shared_part_leaves_it_unchanged() => ExpertModelChecks.FreezingSharedShouldKeepThemFixed(w => Build(w, 2));

    [Fact]
    public void A_checkpoint_resumes_bit_for_bit() =>
        ExpertModelChecks.CheckpointShouldResumeBitForBit((w, seed) => Build(w, 2, ExpertGateKind.DSelectK, seed), _root);
}
