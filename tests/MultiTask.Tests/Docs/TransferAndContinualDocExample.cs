using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Continual;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;
using MultiTask.Saving;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Transfer;

namespace MultiTask.Tests.Docs;

/// <summary>docs/transfer-and-continual.md, block for block.</summary>
public sealed class TransferAndContinualDocExample : IDisposable
{
    private static readonly string[] Features = ["x1", "x2", "x3"];
    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-transferdoc").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TaskSpec Task(string name) => TaskSpec.Regression(name, Features);

    /// <summary>Rows over the given tasks, labelled for one: water = x1 − x2, fat = x1 + x3, protein = x2 − x3, plus noise.</summary>
    private static MultiTaskDataset Rows(string[] tasks, string label, int rows, ulong seed)
    {
        var g = new Generator(seed);
        var x = Enumerable.Range(0, rows).Select(_ => new[] { g.NextNormal(), g.NextNormal(), g.NextNormal() }).ToArray();
        var y = x.Select(r => 0.1 * g.NextNormal() + label switch { "water" => r[0] - r[1], "fat" => r[0] + r[2], _ => r[1] - r[2] }).ToArray();
        var schema = new FeatureSchema().Numeric("x1").Numeric("x2").Numeric("x3");
        return MultiTaskDataset.FromArrays(schema, [.. tasks.Select(Task)], x, Features, new Dictionary<string, double[]> { [label] = y },
            new TableOptions { Labels = [label] });
    }

    [Fact]
    public void Transfers_a_saved_model_to_a_new_task_as_the_doc_shows()
    {
        var old = MultiTaskDataset.Concat(Rows(["water", "fat"], "water", 100, 1), Rows(["water", "fat"], "fat", 100, 2));
        var sourceEncoder = FeatureEncoder.Fit(old);
        var sourceModel = MultiTaskModel.HardSharing(sourceEncoder, backbone: [16], generator: new Generator(1));
        new MultiTaskTrainer(sourceModel, new TrainerOptions { Epochs = 20, Seed = 1 }).Fit(sourceEncoder.Transform(old));
        string path = Path.Combine(_dir, "meats.mtmodel");
        ModelFile.Save(path, sourceModel, sourceEncoder);
        var newTrain = Rows(["water", "fat", "protein"], "protein", 20, 3);

        SavedModel source = ModelFile.LoadModel(path);   // a copy of the saved weights, and the encoder
        TransferredModel transferred = TransferLearning.AddTasks(source, newTrain, new TransferOptions { Head = [16] }, new Generator(1));

        FeatureEncoder encoder = transferred.Encoder;
        TrainingReport report = FineTuning.Fit(transferred.NewTasksModel, encoder.Transform(newTrain), validation: null,
            new TrainerOptions { BatchSize = 16, Optimizer = new AdamOptions { LearningRate = 3e-3 } },
            new FineTuningOptions { FrozenEpochs = 20, UnfrozenEpochs = 20, SharedLearningRateFactor = 0.1 });
        ModelFile.Save(path, transferred.Model, encoder);   // old and new tasks in one file

        report.History.Should().HaveCount(40);
        ModelFile.Load(path).TaskNames.Should().Equal("water", "fat", "protein");
        transferred.Model.Backbone.Should().NotBeSameAs(sourceModel.Backbone);
    }

    [Fact]
    public void Trains_tasks_one_after_another_as_the_doc_shows()
    {
        var waterData = Rows(["water"], "water", 120, 1);
        var firstEncoder = FeatureEncoder.Fit(waterData);
        var fatData = Rows(["water", "fat"], "fat", 120, 2);
        var lastEncoder = firstEncoder.WithTasks(fatData);
        EncodedData waterTrain = firstEncoder.Transform(waterData), waterTest = firstEncoder.Transform(Rows(["water"], "water", 40, 3));
        EncodedData fatTrain = lastEncoder.Transform(fatData), fatTest = lastEncoder.Transform(Rows(["water", "fat"], "fat", 40, 4));

        var stages = new[]
        {
            new ContinualStage("water", waterTrain, waterTest),
            new ContinualStage("fat", fatTrain, fatTest),
        };
        var model = MultiTaskModel.HardSharing(lastEncoder, backbone: [64, 64], generator: new Generator(1));
        ContinualReport report = SequentialTraining.Fit(model, stages, new ContinualOptions
        {
            StageOptions = stage => new TrainerOptions { Epochs = 100, BatchSize = 16, Seed = (ulong)stage },
            EwcStrength = 1e4,      // elastic weight consolidation; 0 = off
            ReplayCapacity = 100,   // rehearsal from a reservoir-sampled buffer; 0 = off
            ReplaySeed = 1,
        });
        Console.WriteLine(report.Results);   // R[stage, task] and BWT

        report.Results.StageCount.Should().Be(2);
        double.IsFinite(report.Results.BackwardTransfer).Should().BeTrue();
        report.Ewc!.Consolidated.Should().HaveCount(2);
    }

    [Fact]
    public void Uses_the_pieces_directly_as_the_doc_shows()
    {
        var waterData = Rows(["water", "fat"], "water", 80, 1);
        var encoder = FeatureEncoder.Fit(MultiTaskDataset.Concat(waterData, Rows(["water", "fat"], "fat", 80, 2)));
        EncodedData waterTrain = encoder.Transform(waterData), fatTrain = encoder.Transform(Rows(["water", "fat"], "fat", 80, 2));
        var model = MultiTaskModel.HardSharing(encoder, backbone: [16], generator: new Generator(1));
        new MultiTaskTrainer(model.ForTasks(["water"]), new TrainerOptions { Epochs = 5 }).Fit(waterTrain);

        var ewc = new ElasticWeightConsolidation(lambda: 1e4);            // protects the shared parameters
        ewc.Consolidate(model.ForTasks(["water"]), waterTrain, "water");  // after learning water: θ* and the Fisher
        new MultiTaskTrainer(model.ForTasks(["fat"]), new TrainerOptions { Regularization = ewc }).Fit(fatTrain);

        var buffer = new ReplayBuffer(capacity: 100, seed: 1);
        buffer.Add(waterTrain);                   // reservoir sampling over every row offered
        new MultiTaskTrainer(model.ForTasks(["water", "fat"])).Fit(buffer.Mix(fatTrain));

        var r = new ContinualMatrix(["water", "fat"], new[,] { { 2.1, double.NaN }, { 3.7, 2.9 } }, MetricDirection.LowerIsBetter, "rmse");
        double bwt = r.BackwardTransfer;   // -1.6: water's RMSE grew by 1.6 while fat was learned

        bwt.Should().BeApproximately(-1.6, 1e-12);
        buffer.Count.Should().Be(80);
    }
}
