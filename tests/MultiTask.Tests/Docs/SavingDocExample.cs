using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Recipes;
using MultiTask.Saving;
using MultiTask.Tasks;
using MultiTask.Training;

namespace MultiTask.Tests.Docs;

/// <summary>docs/saving.md, block for block.</summary>
public sealed class SavingDocExample : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-savingdoc").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (FeatureSchema Schema, TaskSpec[] Tasks, Table Rows) Prices()
    {
        var schema = new FeatureSchema().Numeric("size_sqft").Numeric("bedrooms").Categorical("location", "downtown", "suburb", "rural");
        TaskSpec[] tasks =
        [
            TaskSpec.Regression("house", ["size_sqft", "bedrooms"], target: "price") with { TargetGroup = "price" },
            TaskSpec.Regression("apartment", ["size_sqft", "bedrooms", "location"], target: "price") with { TargetGroup = "price" },
        ];
        var g = new Generator(5);
        int n = 90;
        var size = Enumerable.Range(0, n).Select(_ => 500 + 2000 * g.NextDouble()).ToArray();
        var beds = size.Select(s => Math.Floor(s / 600)).ToArray();
        string?[] location = [.. Enumerable.Range(0, n).Select(i => i % 3 == 0 ? null : new[] { "downtown", "suburb", "rural" }[i % 3])];
        var price = size.Select((s, i) => 30_000 + 150 * s + 5_000 * beds[i] + 10_000 * g.NextNormal()).ToArray();
        var table = new Table("prices").Add("size_sqft", size).Add("bedrooms", beds).Add("location", location).Add("price", price);
        return (schema, tasks, table);
    }

    [Fact]
    public void Saves_loads_and_predicts_as_the_doc_shows()
    {
        var (schema, tasks, rows) = Prices();
        var data = MultiTaskDataset.FromTable(schema, tasks, rows, new TableOptions { Labels = ["house", "apartment"] });
        var encoder = FeatureEncoder.Fit(data);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [16], generator: new Generator(1));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 5, Seed = 1 });
        trainer.Fit(encoder.Transform(data));
        string path = Path.Combine(_dir, "prices.mtmodel");

        ModelFile.Save(path, model, encoder);

        Predictor predictor = ModelFile.Load(path);
        TaskOutputs predictions = predictor.Predict(
        [
            new Dictionary<string, object?> { ["size_sqft"] = 1400.0, ["bedrooms"] = 2, ["location"] = "suburb" },
            new Dictionary<string, object?> { ["size_sqft"] = 650.0, ["bedrooms"] = 1 },   // no location: missing
        ]);
        float apartment = predictions["apartment"][0, 0];   // dollars

        var expected = trainer.Predict(encoder.Transform(MultiTaskDataset.FromTable(schema, tasks,
            new Table().Add("size_sqft", [1400.0, 650.0]).Add("bedrooms", [2.0, 1.0]).Add("location", ["suburb", null]),
            new TableOptions { Labels = [], KeepUnlabeledRows = true })));
        apartment.Should().Be(expected["apartment"][0, 0]);
        predictions["house"].ToArray().Should().Equal(expected["house"].ToArray());

        string csv = Path.Combine(_dir, "new.csv");
        File.WriteAllLines(csv, ["size_sqft,bedrooms,location", "1400,2,suburb", "650,1,"]);
        predictor.PredictCsv(csv)["apartment"].ToArray().Should().Equal(expected["apartment"].ToArray());
    }

    [Fact]
    public void Saves_a_tabular_model()
    {
        var (schema, tasks, rows) = Prices();
        var train = MultiTaskDataset.FromTable(schema, tasks, rows);
        string path = Path.Combine(_dir, "recipe.mtmodel");

        TabularModel tabular = TabularRecipe.Fit(train, new TabularRecipeOptions { Seed = 1, Members = 2, MaxEpochs = 5 });
        tabular.Save(path);
        TaskOutputs same = ModelFile.Load(path).Predict(train);   // = tabular.Predict(train), bit for bit

        same["house"].ToArray().Should().Equal(tabular.Predict(train)["house"].ToArray());
    }

    [Fact]
    public void Saves_a_user_module_registered_by_name()
    {
        ScaledHead.RegisterForSaving();
        var (schema, tasks, rows) = Prices();
        var data = MultiTaskDataset.FromTable(schema, tasks, rows);
        var encoder = FeatureEncoder.Fit(data);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [16], generator: new Generator(1),
            customHeads: new Dictionary<string, Module<Tensor, Tensor>> { ["house"] = new ScaledHead(new Linear(16, 1), scale: 2f) });
        string path = Path.Combine(_dir, "custom.mtmodel");
        ModelFile.Save(path, model, encoder);

        var expected = new MultiTaskTrainer(model).Predict(encoder.Transform(data));
        ModelFile.Load(path).Predict(data)["house"].ToArray().Should().Equal(expected["house"].ToArray());
    }
}

/// <summary>A head that scales a Linear's output by a fixed factor.</summary>
public sealed class ScaledHead : Module<Tensor, Tensor>
{
    private readonly Linear _linear;

    public ScaledHead(Linear linear, float scale)
    {
        _linear = Register("linear", linear);
        Scale = scale;
    }

    public float Scale { get; }

    public override Tensor Forward(Tensor input) => _linear.Forward(input) * Scale;

    // Once per process, before saving and before loading.
    public static void RegisterForSaving() => ModuleSpecs.Register<ScaledHead>("MyCompany.ScaledHead",
        write: head => new JsonObject { ["scale"] = head.Scale },
        read: args => new ScaledHead(args.Child<Linear>("linear"), args.GetSingle("scale")));
}
