using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Training;
using static MultiTask.Tests.Architectures.ArchitectureTestUtil;

namespace MultiTask.Tests.Architectures;

/// <summary>The options of the hard-sharing factory: residual heads, the wide path, numeric embeddings, and their names.</summary>
public class HardSharingOptionsTests
{
    private static readonly HardSharingOptions Everything = new()
    {
        Backbone = [8],
        Head = [4],
        ResidualHeads = true,
        Wide = WidePath.SharedAndPerTask,
        NumericEmbedding = new PeriodicEmbeddingOptions { Frequencies = 3, Size = 2, Sigma = 0.3 },
    };

    [Fact]
    public void DefaultOptions_BuildExactlyThePlainModel()
    {
        var encoder = TabularFixture.Encoder();
        var plain = MultiTaskModel.HardSharing(encoder, backbone: [64, 64], generator: new Generator(3));
        var viaOptions = MultiTaskModel.HardSharing(encoder, new HardSharingOptions(), new Generator(3));

        viaOptions.StateDict().Keys.Should().Equal(plain.StateDict().Keys);
        foreach (var (name, value) in plain.StateDict())
            viaOptions.StateDict()[name].ToArray().Should().Equal(value.ToArray(), name);
        viaOptions.SharedHead.Should().BeNull();
        viaOptions.Wide.Should().BeNull();
    }

    [Fact]
    public void StateDictNames_AreAsDocumented()
    {
        var model = MultiTaskModel.HardSharing(TabularFixture.Encoder(), Everything with { Head = [] }, new Generator(1));

        model.StateDict().Keys.Should().Equal(
            "backbone.embeddings.shop.weight",
            "backbone.periodic.frequencies", "backbone.periodic.weight", "backbone.periodic.bias",
            "backbone.2.weight", "backbone.2.bias",
            "shared_head.0.weight", "shared_head.0.bias",
            "heads.price.0.weight", "heads.price.0.bias", "heads.rent.0.weight", "heads.rent.0.bias",
            "wide.weight", "wide.bias",
            "wide_heads.price.weight", "wide_heads.price.bias", "wide_heads.rent.weight", "wide_heads.rent.bias");
        model.NamedSharedParameters().Select(p => p.Key).Should().Equal(
            "backbone.embeddings.shop.weight", "backbone.periodic.frequencies", "backbone.periodic.weight", "backbone.periodic.bias",
            "backbone.2.weight", "backbone.2.bias", "shared_head.0.weight", "shared_head.0.bias", "wide.weight", "wide.bias");
        model.NamedTaskParameters("rent").Select(p => p.Key).Should().Equal(
            "heads.rent.0.weight", "heads.rent.0.bias", "wide_heads.rent.weight", "wide_heads.rent.bias");
    }

    [Fact]
    public void SharedAndTaskParameters_PartitionTheModel()
    {
        var model = MultiTaskModel.HardSharing(TabularFixture.Encoder(), Everything, new Generator(2));

        ShouldPartitionParameters(model);
        var all = model.Parameters().ToList();
        var parts = model.SharedParameters().Concat(model.TaskNames.SelectMany(t => model.TaskParameters(t))).ToList();
        parts.Should().HaveCount(all.Count);
        parts.Should().OnlyHaveUniqueItems();
        all.Should().OnlyContain(p => parts.Contains(p));
    }

    [Fact]
    public void ResidualHeads_StartEveryTaskAtThePooledPrediction_Exactly()
    {
        var (encoder, data) = TabularFixture.Encoded(rows: 16);
        var model = MultiTaskModel.HardSharing(encoder, Everything with { Wide = WidePath.None }, new Generator(4));

        var outputs = model.Forward(data.Features);
        var pooled = model.SharedHead!.Forward(model.Backbone.Forward(data.Features)).ToArray();

        pooled.Should().Contain(v => Math.Abs(v) > 1e-3, "the shared head is randomly initialised");
        foreach (var task in model.TaskNames)
        {
            outputs[task].ToArray().Should().Equal(pooled, $"task '{task}' starts at the pooled prediction");
            var output = (Linear)((Sequential)model.Head(task))[^1];
            output.Weight.ToArray().Should().OnlyContain(v => v == 0f);
            output.Bias!.ToArray().Should().OnlyContain(v => v == 0f);
        }
    }

    [Fact]
    public void ResidualHeads_TasksDifferAfterOneStep()
    {
        var (encoder, data) = TabularFixture.Encoded(rows: 32);
        var model = MultiTaskModel.HardSharing(encoder, Everything with { Wide = WidePath.None }, new Generator(5));
        var x = data.Features;
        var before = model.Forward(x);
        before["price"].ToArray().Should().Equal(before["rent"].ToArray());

        var sgd = new Sgd(model.Parameters(), lr: 0.1);
        var mse = new MseLoss();
        // Opposite targets pull the two residuals in opposite directions.
        (mse.Forward(before["price"], Tensor.Ones(32, 1)) + mse.Forward(before["rent"], -Tensor.Ones(32, 1))).Backward();
        sgd.Step();

        var after = model.Forward(x);
        var difference = after["price"].ToArray().Zip(after["rent"].ToArray(), (a, b) => a - b).ToArray();
        difference.Should().OnlyContain(d => d > 1e-3f, "price was pushed up and rent down by their own residual heads");
    }

    [Fact]
    public void ResidualHeads_WithDifferentOutputSizes_AreRejectedWithTheSizes()
    {
        var encoder = TabularFixture.Encoder(withMulticlass: true);

        var act = () => MultiTaskModel.HardSharing(encoder, new HardSharingOptions { ResidualHeads = true });
        act.Should().Throw<ArgumentException>().WithMessage("*ResidualHeads*'price' has 1*'type' has 3*");
        var wide = () => MultiTaskModel.HardSharing(encoder, new HardSharingOptions { Wide = WidePath.Shared });
        wide.Should().Throw<ArgumentException>().WithMessage("*Wide*'type' has 3*");
        MultiTaskModel.HardSharing(encoder, new HardSharingOptions { ResidualHeads = true }, tasks: ["price", "rent"]).TaskNames.Should().Equal("price", "rent");

        var direct = () => new HardSharingModel(new Linear(3, 4), 4,
            [("a", 1, new Linear(4, 1)), ("b", 2, new Linear(4, 2))], inputSize: 3, sharedHead: new Linear(4, 1));
        direct.Should().Throw<ArgumentException>().WithMessage("*shared head*'a' has 1*'b' has 2*");
    }

    [Fact]
    public void WidePath_AddsXWTransposePlusB_ByHand()
    {
        // Input [2, 3]; the wide path reads columns 0 and 2. Deep part: backbone w = [1, 1, 1], head 2·z.
        var backbone = Fixed(new float[,] { { 1f, 1f, 1f } });
        var wide = new Linear(2, 1);
        new[] { 0.5f, -2f }.CopyTo(wide.Weight.AsSpan());
        wide.Bias!.AsSpan()[0] = 0.25f;
        var own = new Linear(2, 1);
        new[] { 1f, 3f }.CopyTo(own.Weight.AsSpan());
        own.Bias!.AsSpan()[0] = -1f;
        var model = new HardSharingModel(backbone, 1, [("a", 1, Fixed(new float[,] { { 2f } })), ("b", 1, Fixed(new float[,] { { 2f } }))],
            inputSize: 3, wide: wide, wideHeads: new Dictionary<string, Linear> { ["b"] = own }, wideColumns: [0, 2]);
        var x = Tensor.FromArray(new float[,] { { 1f, 10f, 2f }, { -3f, 0f, 0.5f } });

        var y = model.Forward(x);

        // Row 0: deep 2·13 = 26; wide 0.5·1 − 2·2 + 0.25 = −3.25; b's own 1·1 + 3·2 − 1 = 6.
        // Row 1: deep 2·(−2.5) = −5; wide 0.5·(−3) − 2·0.5 + 0.25 = −2.25; b's own −3 + 1.5 − 1 = −2.5.
        y["a"].ToArray().Should().Equal(26f - 3.25f, -5f - 2.25f);
        y["b"].ToArray().Should().Equal(26f - 3.25f + 6f, -5f - 2.25f - 2.5f);
        model.ForwardTask(x, "b").ToArray().Should().Equal(y["b"].ToArray());
        model.WideInputs(x).ToArray().Should().Equal(1f, 2f, -3f, 0.5f);
        model.WideHead("a").Should().BeNull();
        model.NamedSharedParameters().Select(p => p.Key).Should().Contain(["wide.weight", "wide.bias"]);
        model.NamedTaskParameters("b").Select(p => p.Key).Should().Contain(["wide_heads.b.weight", "wide_heads.b.bias"]);
    }

    [Fact]
    public void WidePath_FromTheEncoder_ReadsEveryColumnButEmbeddingIndices_AndStartsAtZero()
    {
        var (encoder, data) = TabularFixture.Encoded(rows: 8);
        var model = MultiTaskModel.HardSharing(encoder, new HardSharingOptions { Backbone = [4], Wide = WidePath.SharedAndPerTask }, new Generator(6));
        var plain = Enumerable.Range(0, encoder.Width).Where(c => encoder.Columns[c].Kind != EncodedColumnKind.EmbeddingIndex).ToArray();

        model.WideColumns.Should().Equal(plain);
        model.Wide!.InFeatures.Should().Be(plain.Length);
        model.Parameters().Except(model.Backbone.Parameters()).Except(model.TaskNames.SelectMany(t => model.Head(t).Parameters()))
            .Should().OnlyContain(p => p.ToArray().All(v => v == 0f), "the wide Linears start at zero");

        // A caller's warm start (e.g. ridge) moves every output by exactly X_w·Wᵀ + b.
        var x = data.Features;
        var deep = model.Forward(x)["price"].ToArray();
        var g = new Generator(7);
        var w = Enumerable.Range(0, plain.Length).Select(_ => (float)g.NextNormal()).ToArray();
        w.CopyTo(model.Wide.Weight.AsSpan());
        model.Wide.Bias!.AsSpan()[0] = 0.5f;
        var warm = model.Forward(x)["price"].ToArray();
        for (int r = 0; r < 8; r++)
        {
            double linear = 0.5;
            for (int j = 0; j < plain.Length; j++) linear += (double)x[r, plain[j]] * w[j];
            ((double)warm[r] - deep[r]).Should().BeApproximately(linear, 1e-4, $"row {r}");
        }
    }

    [Fact]
    public void WideErrors_NameTheWidths()
    {
        var heads = new (string, int, Module<Tensor, Tensor>)[] { ("a", 1, new Linear(4, 1)) };
        ((Action)(() => new HardSharingModel(new Linear(3, 4), 4, heads, inputSize: 3, wide: new Linear(2, 1))))
            .Should().Throw<ArgumentException>().WithMessage("*takes 2 features*reads 3 input columns*");
        ((Action)(() => new HardSharingModel(new Linear(3, 4), 4, heads, inputSize: 3, wideHeads: new Dictionary<string, Linear> { ["z"] = new Linear(3, 1) })))
            .Should().Throw<ArgumentException>().WithMessage("*'z'*not a task*'a'*");
        ((Action)(() => new HardSharingModel(new Linear(3, 4), 4, heads, inputSize: 3, wide: new Linear(2, 1), wideColumns: [0, 3])))
            .Should().Throw<ArgumentException>().WithMessage("*column 3*");
    }

    [Fact]
    public void PeriodicEmbedding_ComposesWithCategoricalEmbeddings()
    {
        var (encoder, data) = TabularFixture.Encoded(rows: 8);
        var model = MultiTaskModel.HardSharing(encoder, Everything, new Generator(8));
        var backbone = (Sequential)model.Backbone;
        var embeddings = (EmbeddingInput)backbone[0];
        var periodic = (PeriodicEmbedding)backbone[1];

        // The periodic layer reads the numeric columns of the categorical layer's output (plain columns first, in order).
        var plain = Enumerable.Range(0, encoder.Width).Where(c => encoder.Columns[c].Kind != EncodedColumnKind.EmbeddingIndex).ToList();
        var numeric = Enumerable.Range(0, encoder.Width).Where(c => encoder.Columns[c].Kind == EncodedColumnKind.Numeric);
        periodic.Columns.Should().Equal(numeric.Select(c => plain.IndexOf(c)));
        var afterEmbedding = embeddings.Forward(data.Features);
        foreach (var (c, j) in numeric.Select((c, j) => (c, j)))
            afterEmbedding[3, periodic.Columns[j]].Should().Be(data.Features[3, c]);

        periodic.InputSize.Should().Be(embeddings.OutputSize);
        model.LastSharedParameters.Should().Equal(((Linear)backbone[2]).Weight, ((Linear)backbone[2]).Bias!);
        model.ForwardTask(data.Features, "rent").ToArray().Should().Equal(model.Forward(data.Features)["rent"].ToArray());
        model.Backbone.Forward(data.Features).Shape.Should().Equal(8, 8);
    }

    [Fact]
    public void EveryOption_Trains_AndLearnsThroughBothEmbeddings()
    {
        var (encoder, data) = TabularFixture.Encoded(rows: 200);
        var model = MultiTaskModel.HardSharing(encoder, Everything with { Backbone = [32] }, new Generator(9));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 40, Seed = 3, Optimizer = new AdamOptions { LearningRate = 1e-2 } });
        var shop = model.StateDict()["backbone.embeddings.shop.weight"].Clone().ToArray();
        var frequencies = model.StateDict()["backbone.periodic.frequencies"].Clone().ToArray();

        trainer.Fit(data);

        model.StateDict()["backbone.embeddings.shop.weight"].ToArray().Should().NotEqual(shop);
        model.StateDict()["backbone.periodic.frequencies"].ToArray().Should().NotEqual(frequencies);
        // Predicting the mean gives an RMSE of one target standard deviation; the structure is learnable well below that.
        var metrics = trainer.Evaluate(data);
        foreach (var task in model.TaskNames)
            metrics[task]["rmse"].Should().BeLessThan(0.5 * encoder.TargetStatistics(task)!.Value.Std, task);
    }
}
