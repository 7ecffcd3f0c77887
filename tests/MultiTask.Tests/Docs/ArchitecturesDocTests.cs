using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Tests.Training;
using MultiTask.Training;

namespace MultiTask.Tests.Docs;

/// <summary>The parameter names and shared/task split that docs/architectures.md lists.</summary>
public class ArchitecturesDocTests
{
    private static readonly (string, int)[] Tasks = [("house", 1), ("apartment", 1)];

    [Fact]
    public void Hard_sharing_names_backbone_and_heads()
    {
        var model = MultiTaskModel.HardSharing(5, Tasks, backbone: [8, 8], head: [4], generator: new Generator(1));
        model.StateDict().Keys.Should().Equal(
            "backbone.0.weight", "backbone.0.bias", "backbone.2.weight", "backbone.2.bias",
            "heads.house.0.weight", "heads.house.0.bias", "heads.house.2.weight", "heads.house.2.bias",
            "heads.apartment.0.weight", "heads.apartment.0.bias", "heads.apartment.2.weight", "heads.apartment.2.bias");
        model.NamedSharedParameters().Select(p => p.Key).Should().Equal("backbone.0.weight", "backbone.0.bias", "backbone.2.weight", "backbone.2.bias");
        model.LastSharedParameters.Should().HaveCount(2);
    }

    [Fact]
    public void Soft_sharing_names_columns_and_heads_and_shares_nothing()
    {
        var model = MultiTaskModel.SoftSharing(5, Tasks, hidden: [8], generator: new Generator(1));
        model.StateDict().Keys.Should().Equal(
            "columns.house.0.weight", "columns.house.0.bias", "columns.apartment.0.weight", "columns.apartment.0.bias",
            "heads.house.0.weight", "heads.house.0.bias", "heads.apartment.0.weight", "heads.apartment.0.bias");
        model.SharedParameters().Should().BeEmpty();
        model.NamedTaskParameters("house").Select(p => p.Key).Should().Equal(
            "columns.house.0.weight", "columns.house.0.bias", "heads.house.0.weight", "heads.house.0.bias");
    }

    [Fact]
    public void Cross_stitch_names_columns_stitches_and_heads()
    {
        var model = MultiTaskModel.CrossStitch(5, Tasks, hidden: [8, 8], generator: new Generator(1));
        model.StateDict().Keys.Should().Equal(
            "columns.house.0.0.weight", "columns.house.0.0.bias", "columns.house.1.0.weight", "columns.house.1.0.bias",
            "columns.apartment.0.0.weight", "columns.apartment.0.0.bias", "columns.apartment.1.0.weight", "columns.apartment.1.0.bias",
            "heads.house.0.weight", "heads.house.0.bias", "heads.apartment.0.weight", "heads.apartment.0.bias",
            "stitches.0.alpha", "stitches.1.alpha");
        model.NamedTaskParameters("house").Select(p => p.Key).Should().Equal("heads.house.0.weight", "heads.house.0.bias");
        model.StitchUnits[0].Alpha.ToArray().Should().Equal([0.9f, 0.1f, 0.1f, 0.9f]);
    }

    [Fact]
    public void The_factories_shown_first_build_from_an_encoder()
    {
        var encoder = TrainingData.Encoded().Train.Encoder;
        var input = ModelInput.From(encoder);
        var hard   = HardSharingModel.Create(input, new HardSharingOptions { Backbone = [64, 64], Head = [32] }, new Generator(1));
        var soft   = SoftSharingModel.Create(input, new SoftSharingOptions { Hidden = [64, 64], Strength = 1e-3 }, new Generator(1));
        var stitch = CrossStitchModel.Create(input, new CrossStitchOptions { Hidden = [64, 64], SelfWeight = 0.9 }, new Generator(1));

        foreach (MultiTaskModel model in new MultiTaskModel[] { hard, soft, stitch })
        {
            model.TaskNames.Should().Equal("a", "b");
            model.InputSize.Should().Be(encoder.Width);
        }
    }
}

/// <summary>The snippets of the "Hard sharing for tables" section of docs/architectures.md, built and checked.</summary>
public class HardSharingOptionsDocTests
{
    [Fact]
    public void The_recipe_of_every_option_builds_a_model_whose_tasks_start_pooled()
    {
        var train = TrainingData.Encoded().Train;
        var encoder = train.Encoder;
        var options = new HardSharingOptions
        {
            Backbone = [128, 128],
            Head = [32],
            Mlp = new MlpOptions { LayerNorm = true, Dropout = 0.1f },
            ResidualHeads = true,
            Wide = WidePath.SharedAndPerTask,
            NumericEmbedding = new PeriodicEmbeddingOptions { Frequencies = 16, Sigma = 0.1, Size = 16 },
        };
        var model = MultiTaskModel.HardSharing(encoder, options, new Generator(1));

        model.Eval();
        var y = model.Forward(train.Features);
        y["a"].ToArray().Should().Equal(y["b"].ToArray());
        model.StateDict().Keys.Should().Contain(["backbone.periodic.frequencies", "backbone.1.weight", "shared_head.0.weight", "heads.a.4.weight", "wide.weight", "wide_heads.b.bias"]);
    }

    [Fact]
    public void Residual_wide_and_periodic_snippets()
    {
        var train = TrainingData.Encoded().Train;
        var encoder = train.Encoder;
        var residual = MultiTaskModel.HardSharing(encoder, new HardSharingOptions { ResidualHeads = true }, new Generator(1));
        residual.SharedHead.Should().NotBeNull();

        float[] ridgeWeight = [0.5f, -1f, 2f];
        float ridgeBias = 0.25f;
        var wideAndDeep = MultiTaskModel.HardSharing(encoder, new HardSharingOptions { Wide = WidePath.SharedAndPerTask }, new Generator(1));
        Tensor xWide = wideAndDeep.WideInputs(train.Features); // the columns the wide path reads: fit e.g. a ridge regression on them
        ridgeWeight.CopyTo(wideAndDeep.Wide!.Weight.AsSpan()); // [outputSize, xWide.Size(1)], set in place
        wideAndDeep.Wide.Bias!.AsSpan()[0] = ridgeBias;
        xWide.Shape.Should().Equal(train.Features.Shape);
        wideAndDeep.Wide.Weight.ToArray().Should().Equal(ridgeWeight);

        var periodic = MultiTaskModel.HardSharing(encoder, new HardSharingOptions
        {
            NumericEmbedding = new PeriodicEmbeddingOptions { Frequencies = 48, Sigma = 0.01, Size = 24 },
        }, new Generator(1));
        periodic.StateDict()["backbone.periodic.weight"].Shape.Should().Equal(3, 96, 24);

        var plr = new PeriodicEmbedding(encoder, new PeriodicEmbeddingOptions { Sigma = 0.1 }, new Generator(1));
        var backbone = new Sequential().Add("periodic", plr);
        int width = new MlpOptions().AddHidden(backbone, plr.OutputSize, [64, 64], new Generator(2));
        var custom = MultiTaskModel.HardSharing(backbone, width, encoder.Tasks.Select(t => (t.Name, t.OutputSize)).ToList(), inputSize: encoder.Width);
        custom.Forward(train.Features)["b"].Shape.Should().Equal(train.Features.Size(0), 1);

        var mlp = new MlpOptions { LayerNorm = true }.Build(inputSize: 10, hidden: [32, 16], outputSize: 1, generator: new Generator(1));
        mlp.Count.Should().Be(7);
    }
}

/// <summary>The snippets of the "Task cascades" section of docs/architectures.md, built and checked.</summary>
public class CascadeDocTests
{
    [Fact]
    public void Esmm_and_funnel_snippets()
    {
        var rng = new Generator(4);
        var rows = Enumerable.Range(0, 400).Select(_ => new[] { rng.NextNormal(), rng.NextNormal() }).ToArray();
        var click = rows.Select(r => rng.NextDouble() < 1 / (1 + Math.Exp(-2 * r[0])) ? 1.0 : 0.0).ToArray();
        var convert = rows.Select(r => rng.NextDouble() < 1 / (1 + Math.Exp(-2 * r[1])) ? 1.0 : 0.0).ToArray();
        string[] features = ["x1", "x2"];
        var data = MultiTask.Data.MultiTaskDataset.FromArrays(new MultiTask.Data.FeatureSchema().Numeric("x1").Numeric("x2"),
            [MultiTask.Tasks.TaskSpec.Binary("ctr", features), MultiTask.Tasks.TaskSpec.Binary("cvr", features), MultiTask.Tasks.TaskSpec.Binary("ctcvr", features)], rows, features,
            new Dictionary<string, double[]>
            {
                ["ctr"] = click,
                ["cvr"] = [.. click.Select((c, i) => c == 1 ? convert[i] : double.NaN)],
                ["ctcvr"] = [.. click.Select((c, i) => c * convert[i])],
            });
        var encoder = MultiTask.Data.FeatureEncoder.Fit(data);
        var train = encoder.Transform(data);

        var esmm = CascadeModel.Create(ModelInput.From(encoder), new CascadeOptions
        {
            Dependencies = [TaskDependency.Conjunction("ctcvr", parent: "ctr", conditional: "cvr")],
            Inner = (input, g) => HardSharingModel.Create(input, new HardSharingOptions { Backbone = [64, 32] }, g),
        }, new Generator(1));
        // cvr has labels only on clicked impressions (or none): train it through the product alone.
        new MultiTaskTrainer(esmm.ForTasks(["ctr", "ctcvr"]), new TrainerOptions { Epochs = 20 }).Fit(train);
        var cvr = esmm.ForwardTask(train.Features, "cvr").Sigmoid(); // p(convert | click, x) on every impression

        esmm.TaskNames.Should().Equal("ctr", "cvr", "ctcvr");
        cvr.Shape.Should().Equal(400, 1);

        var inner = HardSharingModel.Create(new ModelInput(encoder.Width, [("click", 1), ("cart", 1), ("purchase", 1)]), null, new Generator(2));
        var funnel = new CascadeModel(inner, // tasks "click", "cart", "purchase": p(click), p(cart | click), p(purchase | cart)
        [
            TaskDependency.Conjunction("cart_all", parent: "click", conditional: "cart"),
            TaskDependency.Conjunction("purchase_all", parent: "cart_all", conditional: "purchase"),
        ]);
        funnel.TaskNames.Should().Equal("click", "cart", "purchase", "cart_all", "purchase_all");
    }
}

/// <summary>The snippets, names and partition of the "Mixtures of experts" section of docs/architectures.md.</summary>
public class ExpertModelsDocTests
{
    [Fact]
    public void The_expert_models_build_from_an_encoder_and_report_gate_statistics()
    {
        var train = TrainingData.Encoded().Train;
        var encoder = train.Encoder;
        var input = ModelInput.From(encoder);
        var mmoe = MmoeModel.Create(input, new MmoeOptions { Experts = 8, ExpertHidden = [64, 32], TowerHidden = [16] }, new Generator(1));
        var sparse = MmoeModel.Create(input, new MmoeOptions
        {
            Experts = 8,
            Gate = ExpertGateKind.DSelectK,
            DSelectK = new DSelectKOptions { SelectedExperts = 2, Gamma = 1.0, EntropyStrength = 1e-3 },
        }, new Generator(1));
        var cgc = PleModel.Create(input, new PleOptions { Levels = 1, SharedExperts = 2, TaskExperts = 1 }, new Generator(1));
        var ple = PleModel.Create(input, new PleOptions { Levels = 2, SharedExperts = 2, TaskExperts = 1 }, new Generator(1));

        IReadOnlyDictionary<string, Tensor> weights = mmoe.GateWeights(train.Features); // task → [rows, experts]
        string table = mmoe.ExpertUtilisation(train.Features).ToString();
        var firstLevel = ple.ExpertUtilisation(train.Features, level: 0); // rows: the tasks and "shared"

        foreach (MultiTaskModel model in new MultiTaskModel[] { mmoe, sparse, cgc, ple }) model.TaskNames.Should().Equal("a", "b");
        sparse.Gate("a").Should().BeOfType<DSelectKGate>();
        weights["a"].Shape.Should().Equal(train.RowCount, 8);
        table.Should().Contain("experts.7");
        firstLevel.Gates.Should().Equal("a", "b", "shared");
        firstLevel.Experts.Should().Contain("task_experts.0.a.0").And.Contain("shared_experts.0.1");
        cgc.LevelCount.Should().Be(1);
    }

    [Fact]
    public void Names_and_partition_as_the_table_lists_them()
    {
        var tasks = new[] { ("house", 1), ("apartment", 1) };
        var mmoe = MmoeModel.Create(new ModelInput(5, tasks), new MmoeOptions { Experts = 2, ExpertHidden = [4], TowerHidden = [] }, new Generator(1));
        mmoe.NamedSharedParameters().Select(p => p.Key).Should().Equal("experts.0.0.weight", "experts.0.0.bias", "experts.1.0.weight", "experts.1.0.bias");
        mmoe.NamedTaskParameters("house").Select(p => p.Key).Should().Equal("gates.house.linear.weight", "gates.house.linear.bias", "towers.house.0.weight", "towers.house.0.bias");
        mmoe.LastSharedParameters.Should().HaveCount(4);

        var ple = PleModel.Create(new ModelInput(5, tasks), new PleOptions { Levels = 3, SharedExperts = 1, TaskExperts = 1, ExpertHidden = [4], TowerHidden = [] }, new Generator(1));
        static IEnumerable<string> Blocks(IEnumerable<KeyValuePair<string, Parameter>> ps) =>
            ps.Select(p => p.Key[..p.Key.LastIndexOf('.')]).Select(k => k.EndsWith(".linear") || k.EndsWith(".0") ? k[..k.LastIndexOf('.')] : k).Distinct();
        Blocks(ple.NamedSharedParameters()).Should().BeEquivalentTo(
            "shared_experts.0.0", "shared_experts.1.0", "shared_experts.2.0", "shared_gates.0", "shared_gates.1",
            "task_experts.0.house.0", "task_experts.0.apartment.0", "task_experts.1.house.0", "task_experts.1.apartment.0",
            "task_gates.0.house", "task_gates.0.apartment");
        Blocks(ple.NamedTaskParameters("house")).Should().BeEquivalentTo("task_experts.2.house.0", "task_gates.1.house", "task_gates.2.house", "towers.house");
        ple.LastSharedParameters.Should().Equal(((Linear)((Sequential)ple.SharedExperts(2)[0])[0]).Parameters());
    }
}
