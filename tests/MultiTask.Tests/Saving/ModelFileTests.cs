using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Saving;
using MultiTask.Training;

namespace MultiTask.Tests.Saving;

/// <summary>
/// Every built-in architecture, a head of engine modules and a user module registered by name: trained briefly, saved,
/// loaded, and the loaded predictor must predict the training rows, from a dataset and from a CSV file, bit for bit as
/// the trainer did.
/// </summary>
public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-modelfile").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Architectures => ["hard", "hard-residual-wide-periodic", "soft", "cross-stitch", "mmoe", "mmoe-dselectk-periodic", "ple-dselectk-static", "engine-head", "user-module", "cascade"];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Loaded_model_predicts_bit_for_bit_as_the_trained_one(string architecture)
    {
        ScaledHead.Register();
        var data = SavingFixture.Dataset();
        var encoder = FeatureEncoder.Fit(data);
        var model = Build(architecture, encoder);
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 2, Optimizer = new AdamOptions { LearningRate = 1e-2 } });
        trainer.Fit(encoder.Transform(data));
        var expected = trainer.Predict(encoder.Transform(data));

        string path = Path.Combine(_dir, $"{architecture}.mtmodel");
        ModelFile.Save(path, model, encoder);
        var predictor = ModelFile.Load(path);

        predictor.TaskNames.Should().Equal(model.TaskNames);
        predictor.Schema.SameAs(encoder.Schema).Should().BeTrue();
        predictor.Encoder.ColumnNames.Should().Equal(encoder.ColumnNames);
        predictor.FormatVersion.Should().Be(ModelFile.FormatVersion);
        SavingFixture.ShouldBeBitIdentical(predictor.Predict(data), expected);

        string csv = Path.Combine(_dir, $"{architecture}.csv");
        SavingFixture.WriteCsv(SavingFixture.RawTable(160, 1), csv);
        SavingFixture.ShouldBeBitIdentical(predictor.PredictCsv(csv), expected);
        // Predicting changes nothing: a second call gives the same bits.
        SavingFixture.ShouldBeBitIdentical(predictor.Predict(data), expected);
    }

    [Fact]
    public void Records_and_tables_predict_as_the_dataset_does()
    {
        var data = SavingFixture.Dataset();
        var encoder = FeatureEncoder.Fit(data);
        var model = Build("hard", encoder);
        string path = Path.Combine(_dir, "records.mtmodel");
        ModelFile.Save(path, model, encoder);
        var predictor = ModelFile.Load(path);

        var table = SavingFixture.RawTable(30, 7);
        var expected = predictor.Predict(MultiTaskDataset.FromTable(predictor.Schema, predictor.Tasks, table,
            new TableOptions { Labels = [], KeepUnlabeledRows = true }));
        var records = Enumerable.Range(0, table.RowCount).Select(r => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["x1"] = table.NumericColumn("x1")[r],
            ["x2"] = double.IsNaN(table.NumericColumn("x2")[r]) ? null : table.NumericColumn("x2")[r],
            ["x3"] = table.NumericColumn("x3")[r].ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            ["shop"] = table.TextColumn("shop")[r],
            ["kind"] = table.TextColumn("kind")[r],
        }).ToList();
        SavingFixture.ShouldBeBitIdentical(predictor.Predict(records), expected);
        SavingFixture.ShouldBeBitIdentical(predictor.Predict(table), expected);
        // A record without a feature is missing there, as a missing cell is.
        var withoutKind = records.Select(r => (IReadOnlyDictionary<string, object?>)r.Where(p => p.Key != "kind").ToDictionary()).ToList();
        var tableWithoutKind = new Table().Add("x1", table.NumericColumn("x1")).Add("x2", table.NumericColumn("x2")).Add("x3", table.NumericColumn("x3"))
            .Add("shop", table.TextColumn("shop"));
        SavingFixture.ShouldBeBitIdentical(predictor.Predict(withoutKind), predictor.Predict(tableWithoutKind));
    }

    [Fact]
    public void An_unregistered_module_fails_Save_naming_its_path_type_and_the_registration_call()
    {
        var data = SavingFixture.Dataset(40);
        var encoder = FeatureEncoder.Fit(data);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [8], generator: new Generator(1),
            customHeads: new Dictionary<string, Module<Tensor, Tensor>> { ["rent"] = new Unregistered(8) });
        string path = Path.Combine(_dir, "unregistered.mtmodel");

        var act = () => ModelFile.Save(path, model, encoder);

        act.Should().Throw<ArgumentException>()
            .WithMessage("*'heads.rent'*MultiTask.Tests.Saving.ModelFileTests+Unregistered*ModuleSpecs.Register<Unregistered>*");
        File.Exists(path).Should().BeFalse();
        Directory.GetFiles(_dir).Should().BeEmpty("a failed save leaves no temporary file either");
    }

    [Fact]
    public void A_user_type_cannot_take_a_built_in_name_or_a_second_name()
    {
        ScaledHead.Register();
        var builtIn = () => ModuleSpecs.Register<Unregistered>("Linear", _ => [], a => new Unregistered(1));
        builtIn.Should().Throw<ArgumentException>().WithMessage("*built-in*");
        var second = () => ModuleSpecs.Register<ScaledHead>("Other.Name", _ => [], a => new ScaledHead(1, 1f));
        second.Should().Throw<ArgumentException>().WithMessage("*already registered as 'MultiTask.Tests.ScaledHead'*");
        ModuleSpecs.IsRegistered(typeof(ScaledHead)).Should().BeTrue();
        ModuleSpecs.IsRegistered(typeof(Unregistered)).Should().BeFalse();
    }

    [Fact]
    public void Saving_the_same_model_twice_gives_the_same_bytes()
    {
        var data = SavingFixture.Dataset(40);
        var encoder = FeatureEncoder.Fit(data);
        var model = Build("cross-stitch", encoder);
        string a = Path.Combine(_dir, "a.mtmodel"), b = Path.Combine(_dir, "b.mtmodel");
        ModelFile.Save(a, model, encoder);
        ModelFile.Save(b, model, encoder);
        File.ReadAllBytes(a).Should().Equal(File.ReadAllBytes(b));
    }

    internal static MultiTaskModel Build(string architecture, FeatureEncoder encoder)
    {
        var g = new Generator(11);
        return architecture switch
        {
            "hard" => MultiTaskModel.HardSharing(encoder, backbone: [16, 8], head: [4],
                options: new MlpOptions { LayerNorm = true, Dropout = 0.1f, Activation = () => new Gelu() }, generator: g),
            "hard-residual-wide-periodic" => MultiTaskModel.HardSharing(encoder, new HardSharingOptions
            {
                Backbone = [16],
                Head = [4],
                ResidualHeads = true,
                Wide = WidePath.SharedAndPerTask,
                NumericEmbedding = new PeriodicEmbeddingOptions { Frequencies = 4, Size = 3, Sigma = 0.5 },
                EmbeddingSize = n => n - 1,
            }, g, ["price", "rent", "flag"]),
            "soft" => MultiTaskModel.SoftSharing(encoder, hidden: [8], head: [4], strength: 0.01, distance: SoftSharingDistance.Pairwise,
                options: new MlpOptions { Activation = () => new LeakyRelu(0.2f) }, generator: g),
            "cross-stitch" => MultiTaskModel.CrossStitch(encoder, hidden: [8, 6], head: [4], selfWeight: 0.8, generator: g),
            "mmoe" => MmoeModel.Create(ModelInput.From(encoder), new MmoeOptions
            {
                Experts = 3, ExpertHidden = [8, 6], TowerHidden = [4], Mlp = new MlpOptions { LayerNorm = true, Dropout = 0.1f },
            }, g),
            "mmoe-dselectk-periodic" => MmoeModel.Create(ModelInput.From(encoder), new MmoeOptions
            {
                Experts = 5, ExpertHidden = [8], TowerHidden = [], Gate = ExpertGateKind.DSelectK,
                DSelectK = new DSelectKOptions { SelectedExperts = 2, Gamma = 0.5, EntropyStrength = 1e-3 },
                NumericEmbedding = new PeriodicEmbeddingOptions { Frequencies = 4, Size = 3, Sigma = 0.5 },
            }, g),
            "ple-dselectk-static" => PleModel.Create(ModelInput.From(encoder), new PleOptions
            {
                Levels = 2, SharedExperts = 2, TaskExperts = 1, ExpertHidden = [6], TowerHidden = [4], Gate = ExpertGateKind.DSelectK,
                DSelectK = new DSelectKOptions { SelectedExperts = 2, PerExample = false },
            }, g),
            "engine-head" => MultiTaskModel.HardSharing(encoder, backbone: [16], generator: g, customHeads: new Dictionary<string, Module<Tensor, Tensor>>
            {
                ["price"] = new Sequential(new Linear(16, 8, generator: g), new BatchNorm1d(8), new Tanh(), new Dropout(0.2f), new Linear(8, 1, generator: g)),
                ["tags"] = new Sequential(new Linear(16, 2, bias: false, generator: g), new Softplus(2f)),
            }),
            "user-module" => MultiTaskModel.HardSharing(encoder, backbone: [16], generator: g, customHeads: new Dictionary<string, Module<Tensor, Tensor>>
            {
                ["price"] = new ScaledHead(16, 2.5f, g),
            }),
            "cascade" => Cascade(encoder, g),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
        };
    }

    /// <summary>
    /// The fixture's binary task "flag" derived as the conjunction of two inner tasks that are not in the data ("seen" and
    /// "flag_given_seen", heads added to a hard-sharing model), the other tasks predicted by the inner model.
    /// </summary>
    private static CascadeModel Cascade(FeatureEncoder encoder, Generator g)
    {
        var others = encoder.Tasks.Select(t => t.Name).Where(t => t != "flag").ToList();
        var inner = HardSharingModel.Create(ModelInput.From(encoder, others), new HardSharingOptions { Backbone = [16], Head = [4] }, g);
        inner = inner.WithTasks([.. new[] { "seen", "flag_given_seen" }.Select(t => (t, 1, (Module<Tensor, Tensor>)TaskHeads.Mlp(16, 1, [4], generator: g)))]);
        return new CascadeModel(inner, [TaskDependency.Conjunction("flag", "seen", "flag_given_seen")], [.. encoder.Tasks.Select(t => t.Name)]);
    }

    /// <summary>A user head: a Linear child scaled by a hyper-parameter, registered by name.</summary>
    internal sealed class ScaledHead : Module<Tensor, Tensor>
    {
        private readonly Linear _linear;

        public ScaledHead(int inputSize, float scale, Generator? generator = null) : this(new Linear(inputSize, 1, generator: generator), scale)
        {
        }

        private ScaledHead(Linear linear, float scale)
        {
            _linear = Register("linear", linear);
            Scale = scale;
        }

        public float Scale { get; }

        public override Tensor Forward(Tensor input) => _linear.Forward(input) * Scale;

        public static void Register() => ModuleSpecs.Register<ScaledHead>("MultiTask.Tests.ScaledHead",
            write: head => new JsonObject { ["scale"] = head.Scale },
            read: args => new ScaledHead(args.Child<Linear>("linear"), args.GetSingle("scale")));
    }

    private sealed class Unregistered(int inputSize) : Module<Tensor, Tensor>
    {
        private readonly Linear _linear = new(inputSize, 1);

        public override Tensor Forward(Tensor input) => _linear.Forward(input);
    }
}
