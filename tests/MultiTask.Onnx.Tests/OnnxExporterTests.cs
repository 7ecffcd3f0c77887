using System.Text.Json;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Training;
using Xunit.Abstractions;

namespace MultiTask.Onnx.Tests;

/// <summary>
/// Every built-in architecture, trained a few epochs, exported and run in ONNX Runtime: its outputs must
/// match the library's (raw Forward and Predict in user units) on a full batch and on single rows.
/// </summary>
public class OnnxExporterTests(ITestOutputHelper output)
{
    private static MultiTaskTrainer Train(MultiTaskModel model, EncodedData data, int epochs = 4)
    {
        var trainer = new MultiTaskTrainer(model, new TrainerOptions
        {
            Epochs = epochs, BatchSize = 32, Seed = 1, MaxThreads = 1, Optimizer = new AdamOptions { LearningRate = 1e-2 },
        });
        trainer.Fit(data);
        return trainer;
    }

    [Fact]
    public void HardSharing_Plain_MatchesTheLibrary()
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: false);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [16, 16], head: [8], generator: new Generator(1));
        RuntimeComparison.AssertMatches(Train(model, data), data, output, "hard sharing");
    }

    [Fact]
    public void HardSharing_CategoricalEmbeddingInput_MatchesTheLibrary()
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: true);
        var model = MultiTaskModel.HardSharing(encoder, new HardSharingOptions { Backbone = [16], Mlp = new MlpOptions { Activation = () => new Silu() } },
            new Generator(2));
        model.Backbone.Modules().OfType<EmbeddingInput>().Should().ContainSingle();
        RuntimeComparison.AssertMatches(Train(model, data), data, output, "hard sharing, embedding input");
    }

    [Fact]
    public void HardSharing_ResidualHeadsAndWidePath_MatchTheLibrary()
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: true);
        var model = MultiTaskModel.HardSharing(encoder, new HardSharingOptions
        {
            Backbone = [16, 16],
            Head = [8],
            ResidualHeads = true,
            Wide = WidePath.SharedAndPerTask,
            Mlp = new MlpOptions { LayerNorm = true, Dropout = 0.2f },
        }, new Generator(3), tasks: ExportFixture.ScalarTasks);
        model.SharedHead.Should().NotBeNull();
        model.WideColumns.Should().NotBeNull("the wide path skips the embedding index, so the export must gather its columns");
        var trainer = Train(model, data);
        // The wide Linears start at zero; after training they must take part, or the test would not cover them.
        model.Wide!.Weight.ToArray().Should().Contain(w => w != 0f);
        model.WideHead("price")!.Weight.ToArray().Should().Contain(w => w != 0f);
        RuntimeComparison.AssertMatches(trainer, data, output, "hard sharing, residual heads + wide");
    }

    [Fact]
    public void HardSharing_PeriodicEmbeddings_MatchTheLibrary()
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: true);
        var model = MultiTaskModel.HardSharing(encoder, new HardSharingOptions
        {
            Backbone = [16],
            NumericEmbedding = new PeriodicEmbeddingOptions { Frequencies = 6, Sigma = 0.3, Size = 4 },
        }, new Generator(4));
        model.Backbone.Modules().OfType<PeriodicEmbedding>().Should().ContainSingle();
        RuntimeComparison.AssertMatches(Train(model, data), data, output, "hard sharing, periodic embeddings");
    }

    [Fact]
    public void SoftSharing_MatchesTheLibrary()
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: true);
        var model = MultiTaskModel.SoftSharing(encoder, hidden: [16, 8], head: [8], strength: 1e-3,
            options: new MlpOptions { Activation = () => new Gelu(), Dropout = 0.1f }, generator: new Generator(5));
        RuntimeComparison.AssertMatches(Train(model, data), data, output, "soft sharing");
    }

    [Fact]
    public void CrossStitch_MatchesTheLibrary()
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: true);
        var model = MultiTaskModel.CrossStitch(encoder, hidden: [16, 8], head: [4], generator: new Generator(6));
        var trainer = Train(model, data);
        // α moves away from its start, so the export must carry the trained mixing weights.
        model.StitchUnits[0].Alpha[0, 1].Should().NotBe(0.025f);
        RuntimeComparison.AssertMatches(trainer, data, output, "cross-stitch");
    }

    [Fact]
    public void CrossStitch_PerChannel_MatchesTheLibrary()
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: false);
        var shapes = encoder.Tasks.Select(t => (t.Name, t.OutputSize)).ToList();
        var model = MultiTaskModel.CrossStitch(encoder.Width, shapes, hidden: [12, 12], perChannel: true,
            options: new MlpOptions { Activation = () => new LeakyRelu(0.1f) }, generator: new Generator(7));
        RuntimeComparison.AssertMatches(Train(model, data), data, output, "cross-stitch, per channel");
    }

    [Fact]
    public void Mmoe_SoftmaxGates_WithEmbeddingInput_MatchTheLibrary()
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: true);
        var model = MmoeModel.Create(ModelInput.From(encoder), new MmoeOptions { Experts = 4, ExpertHidden = [12, 8], TowerHidden = [6] }, new Generator(21));
        model.InputLayers.Should().NotBeNull();
        RuntimeComparison.AssertMatches(Train(model, data), data, output, "MMoE, softmax gates");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Mmoe_DSelectKGates_MatchTheLibrary(bool perExample)
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: true);
        var model = MmoeModel.Create(ModelInput.From(encoder), new MmoeOptions
        {
            Experts = 5, ExpertHidden = [8], TowerHidden = [], Gate = ExpertGateKind.DSelectK,
            DSelectK = new DSelectKOptions { SelectedExperts = 2, Gamma = 0.5, PerExample = perExample, EntropyStrength = 1e-2 },
            NumericEmbedding = new PeriodicEmbeddingOptions { Frequencies = 4, Sigma = 0.3, Size = 3 },
        }, new Generator(22));
        var trainer = Train(model, data, epochs: 8);
        // Some selector logits must have left the cubic part, or the export's saturated branches would go untested.
        if (perExample)
        {
            using var scope = Module.EvaluationScope();
            var z = ((DSelectKGate)model.Gate(model.TaskNames[0])).ZLinear!.Forward(model.InputLayers!.Forward(data.Features)).ToArray();
            z.Should().Contain(v => Math.Abs(v) >= 0.25f).And.Contain(v => Math.Abs(v) < 0.25f);
        }
        RuntimeComparison.AssertMatches(trainer, data, output, $"MMoE, DSelect-k gates ({(perExample ? "per example" : "static")})");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Ple_MatchesTheLibrary(int levels)
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: true);
        var model = PleModel.Create(ModelInput.From(encoder), new PleOptions
        {
            Levels = levels, SharedExperts = 2, TaskExperts = 2, ExpertHidden = [8], TowerHidden = [4], Mlp = new MlpOptions { LayerNorm = true },
        }, new Generator(23));
        RuntimeComparison.AssertMatches(Train(model, data), data, output, $"PLE, {levels} level(s)");
    }

    [Fact]
    public void Cascade_OfConjunctionsOverHardSharing_MatchesTheLibrary_FarIntoTheTails()
    {
        var inner = HardSharingModel.Create(new ModelInput(5, [("click", 1), ("cart", 1), ("buy", 1)]), new HardSharingOptions { Backbone = [8], Head = [4] },
            new Generator(31));
        var cascade = new CascadeModel(inner,
        [
            TaskDependency.Conjunction("cart_all", parent: "click", conditional: "cart"),
            TaskDependency.Conjunction("buy_all", parent: "cart_all", conditional: "buy"),
        ]);
        var inputs = Tensor.FromArray(Enumerable.Range(0, 70).Select(i => 3f * MathF.Sin(i)).ToArray(), 14, 5);
        foreach (float scale in new[] { 1f, 60f })
        {
            // Scaled output layers push the logits far into the tails, where log(p·q) computed from
            // probabilities would be −∞; the exported graph must follow the library's log-space formula there too.
            foreach (var task in inner.TaskNames)
            {
                var output = (Linear)((Sequential)inner.Head(task))[^1];
                var weights = output.Weight.AsSpan();
                for (int i = 0; i < weights.Length; i++) weights[i] *= scale;
            }
            cascade.Eval();
            var expected = cascade.Forward(inputs);
            expected.Keys.Should().Equal("click", "cart", "buy", "cart_all", "buy_all");
            RuntimeComparison.Compare(RuntimeComparison.Export(cascade), inputs, expected)
                .Should().OnlyContain(e => e.MaxRelative <= RuntimeComparison.Tolerance, $"output layers scaled by {scale}");
        }
    }

    [Fact]
    public void CustomBackboneAndHeads_OfEngineModules_MatchTheLibrary()
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: false);
        var g = new Generator(8);
        var backbone = new Sequential(
            new Linear(encoder.Width, 16, generator: g), new BatchNorm1d(16), new LeakyRelu(0.1f), new Dropout(0.2f, g),
            new Linear(16, 12, generator: g), new LayerNorm(12), new Elu(0.5f),
            new Linear(12, 12, bias: false, generator: g), new Softplus(beta: 2f, threshold: 1f), new Silu(),
            new Linear(12, 8, generator: g), new Tanh(), new Identity(), new Flatten());
        var heads = new Dictionary<string, Module<Tensor, Tensor>>
        {
            ["price"] = new Sequential(new Linear(8, 8, generator: g), new Gelu(), new Linear(8, 1, generator: g)),
            ["rent"] = new Sequential(new Linear(8, 8, generator: g), new Gelu(tanhApproximation: true), new BatchNorm1d(8, affine: false),
                new Sigmoid(), new Linear(8, 1, generator: g)),
            ["buy"] = new Sequential(new Linear(8, 4, generator: g), new LayerNorm(4, elementwiseAffine: false), new Softmax(1), new Linear(4, 1, generator: g)),
            ["type"] = new Sequential(new Linear(8, 3, generator: g), new LogSoftmax(1)),
            ["demand"] = new Sequential(new Linear(8, 8, generator: g), new Relu(), new Softplus(), new Linear(8, 1, generator: g)),
        };
        var model = MultiTaskModel.HardSharing(backbone, 8, encoder.Tasks.Select(t => (t.Name, t.OutputSize)).ToList(),
            customHeads: heads, generator: g, inputSize: encoder.Width);
        var trainer = Train(model, data);
        // Trained running statistics, so that the export is checked against values other than the initial 0 and 1.
        var norm = (BatchNorm1d)backbone[1];
        norm.RunningMean!.ToArray().Should().Contain(v => Math.Abs(v) > 1e-3);
        RuntimeComparison.AssertMatches(trainer, data, output, "engine modules: backbone and heads");
    }

    [Fact]
    public void StandaloneEmbedding_LinearOverRank3_AndFlatten_MatchTheLibrary()
    {
        // Every encoded column is a category index, so a plain Embedding can read the whole input: [B, 2] → [B, 2, 3].
        var (encoder, data) = ExportFixture.Categorical();
        encoder.Columns.Should().OnlyContain(c => c.Kind == EncodedColumnKind.EmbeddingIndex);
        var g = new Generator(9);
        var backbone = new Sequential(new Embedding(8, 3, generator: g), new Linear(3, 4, generator: g), new Relu(), new Flatten(),
            new Linear(encoder.Width * 4, 8, generator: g), new Tanh());
        var model = MultiTaskModel.HardSharing(backbone, 8, [("y", 1)], head: [4], generator: g, inputSize: encoder.Width);
        RuntimeComparison.AssertMatches(Train(model, data, epochs: 6), data, output, "embedding, linear over rank 3, flatten");
    }

    [Fact]
    public void ModelOfUnknownInputWidth_GetsASymbolicWidth_AndStillMatches()
    {
        var g = new Generator(14);
        var backbone = new Sequential(new Linear(5, 8, generator: g), new Tanh());
        var model = MultiTaskModel.HardSharing(backbone, 8, [("a", 1), ("b", 2)], generator: g);
        model.InputSize.Should().BeNull();
        var inputs = Tensor.FromArray(Enumerable.Range(0, 35).Select(i => MathF.Sin(i)).ToArray(), 7, 5);
        model.Eval();
        var expected = model.Forward(inputs);

        var onnx = RuntimeComparison.Export(model);

        using (var session = RuntimeComparison.Session(onnx))
            session.InputMetadata["features"].SymbolicDimensions.Should().Equal("batch", "width");
        RuntimeComparison.Compare(onnx, inputs, expected).Should().OnlyContain(e => e.MaxRelative <= RuntimeComparison.Tolerance);
    }

    [Fact]
    public void Export_ToFile_HasASymbolicBatch_OneOutputPerTask_AndTheInputColumns()
    {
        var (encoder, data) = ExportFixture.Encoded(embedding: true);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [8], generator: new Generator(10));
        string path = Path.Combine(Path.GetTempPath(), $"multitask-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(model, path, new OnnxExportOptions { Encoder = encoder, UserUnits = true });
            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
            session.InputNames.Should().Equal("features");
            session.InputMetadata["features"].Dimensions.Should().Equal(-1, encoder.Width);
            session.InputMetadata["features"].SymbolicDimensions[0].Should().Be("batch");
            session.OutputNames.Should().Equal(model.TaskNames);
            session.OutputMetadata["type"].Dimensions.Should().Equal(-1, 3);
            var metadata = session.ModelMetadata;
            metadata.ProducerName.Should().Be("MultiTask.Onnx");
            metadata.CustomMetadataMap["multitask.outputs"].Should().Be("user_units");
            JsonSerializer.Deserialize<string[]>(metadata.CustomMetadataMap["multitask.input_columns"]).Should().Equal(encoder.ColumnNames);

            // User units: class probabilities sum to one, binary outputs are probabilities, rent is in its own (positive) units.
            var outputs = RuntimeComparison.Run(session, data.Features.ToArray(), data.Features.Shape[0], encoder.Width);
            outputs["type"].Chunk(3).Should().OnlyContain(p => Math.Abs(p.Sum() - 1f) < 1e-5f);
            outputs["buy"].Should().OnlyContain(p => p > 0f && p < 1f);
            outputs["rent"].Should().OnlyContain(r => r > 0f);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RawAndUserUnitExports_Differ_WhereTheTrainerMapsOutputs()
    {
        // Guards the comparisons above: if both exports gave the same numbers, a missing post-processing step would go unseen.
        var (encoder, data) = ExportFixture.Encoded(embedding: false);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [8], generator: new Generator(11));
        int rows = data.Features.Shape[0];
        using var raw = RuntimeComparison.Session(RuntimeComparison.Export(model, new OnnxExportOptions { Encoder = encoder }));
        using var user = RuntimeComparison.Session(RuntimeComparison.Export(model, new OnnxExportOptions { Encoder = encoder, UserUnits = true }));
        var rawOutputs = RuntimeComparison.Run(raw, data.Features.ToArray(), rows, encoder.Width);
        var userOutputs = RuntimeComparison.Run(user, data.Features.ToArray(), rows, encoder.Width);
        foreach (var task in model.TaskNames)
            userOutputs[task].Zip(rawOutputs[task]).Should().Contain(p => Math.Abs(p.First - p.Second) > 1e-3, task);
    }

    [Fact]
    public void UnsupportedModule_FailsNamingItsPathAndType_AndWritesNoFile()
    {
        var (encoder, _) = ExportFixture.Encoded(embedding: false);
        var g = new Generator(12);
        var heads = new Dictionary<string, Module<Tensor, Tensor>> { ["rent"] = new Sequential(new Linear(8, 4, generator: g), new Doubler(), new Linear(4, 1, generator: g)) };
        var model = MultiTaskModel.HardSharing(encoder, backbone: [8], customHeads: heads, generator: g);
        string path = Path.Combine(Path.GetTempPath(), $"multitask-onnx-{Guid.NewGuid():N}.onnx");

        var act = () => OnnxExporter.Export(model, path);

        act.Should().Throw<NotSupportedException>()
            .Which.Message.Should().Contain("'heads.rent.1'").And.Contain(typeof(Doubler).FullName).And.Contain("Supported modules: Sequential, Linear");
        File.Exists(path).Should().BeFalse();
    }

    [Fact]
    public void BatchNormWithoutRunningStatistics_FailsSayingWhy()
    {
        var (encoder, _) = ExportFixture.Encoded(embedding: false);
        var backbone = new Sequential(new Linear(encoder.Width, 8), new BatchNorm1d(8, trackRunningStats: false), new Relu());
        var model = MultiTaskModel.HardSharing(backbone, 8, [("price", 1)], inputSize: encoder.Width);

        var act = () => RuntimeComparison.Export(model);

        act.Should().Throw<NotSupportedException>().Which.Message.Should().Contain("'backbone.1'").And.Contain("trackRunningStats");
    }

    [Fact]
    public void UnknownArchitecture_FailsNamingIt()
    {
        var act = () => RuntimeComparison.Export(new LinearOnly());

        act.Should().Throw<NotSupportedException>().Which.Message.Should().Contain(nameof(LinearOnly)).And.Contain("HardSharingModel");
    }

    [Fact]
    public void InconsistentOptions_AreRejected()
    {
        var (encoder, _) = ExportFixture.Encoded(embedding: false);
        var (other, _) = ExportFixture.Encoded(embedding: true);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [8], generator: new Generator(13));

        FluentActions.Invoking(() => RuntimeComparison.Export(model, new OnnxExportOptions { UserUnits = true }))
            .Should().Throw<ArgumentException>().WithMessage("*needs the encoder*");
        FluentActions.Invoking(() => RuntimeComparison.Export(model, new OnnxExportOptions { Encoder = other }))
            .Should().Throw<ArgumentException>().WithMessage("*input columns*");
        FluentActions.Invoking(() => RuntimeComparison.Export(model, new OnnxExportOptions { InputName = "price" }))
            .Should().Throw<ArgumentException>().WithMessage("*'price'*");
    }

    /// <summary>A user module the exporter cannot know.</summary>
    private sealed class Doubler : Module<Tensor, Tensor>
    {
        public override Tensor Forward(Tensor input) => input * 2f;
    }

    /// <summary>A user architecture: one Linear, one task.</summary>
    private sealed class LinearOnly : MultiTaskModel
    {
        private readonly Linear _linear;

        public LinearOnly() : base([("y", 1)], 3) => _linear = Register("linear", new Linear(3, 1));

        public override TaskOutputs Forward(Tensor input) => new([new("y", _linear.Forward(input))]);

        public override IEnumerable<KeyValuePair<string, Parameter>> NamedSharedParameters() => [];

        public override IEnumerable<KeyValuePair<string, Parameter>> NamedTaskParameters(string task) => NamedParameters();
    }
}
