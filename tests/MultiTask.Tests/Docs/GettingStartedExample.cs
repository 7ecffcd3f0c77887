using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Saving;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Docs;

/// <summary>The walk-through of docs/getting-started.md, block for block.</summary>
public static class GettingStartedExample
{
    public sealed record Outcome(TrainingReport Report, EvaluationResult Test, TaskOutputs Predictions, BaselineReport Comparison,
        TrainingReport Resumed, int ResumedFrom, IReadOnlyList<string> Columns, TaskOutputs Loaded);

    public static Outcome Run(string dataDirectory, string checkpoints)
    {
        var schema = new FeatureSchema()
            .Numeric("size_sqft").Numeric("bedrooms").Numeric("bathrooms")
            .Categorical("location", "SACRAMENTO", "ELK_GROVE", "ROSEVILLE");

        var tasks = new[]
        {
            TaskSpec.Regression("house", features: ["size_sqft", "bedrooms", "bathrooms"], target: "price"),
            TaskSpec.Regression("apartment", features: ["size_sqft", "bedrooms", "location"], target: "price"),
        };

        var houses = MultiTaskDataset.FromCsv(Path.Combine(dataDirectory, "houses.csv"), schema, tasks,
            new CsvOptions { Labels = ["house"] });
        var apartments = MultiTaskDataset.FromCsv(Path.Combine(dataDirectory, "apartments.csv"), schema, tasks,
            new CsvOptions { Labels = ["apartment"], ColumnMap = new Dictionary<string, string> { ["size_sqft"] = "area" } });
        var data = MultiTaskDataset.Concat(houses, apartments);
        Console.WriteLine($"{data.RowCount} rows: {data.LabelCount("house")} houses, {data.LabelCount("apartment")} apartments");

        var (trainSet, validationSet, testSet) = data.Split(seed: 42, validation: 0.15, test: 0.15);

        var encoder = FeatureEncoder.Fit(trainSet);
        EncodedData train = encoder.Transform(trainSet);
        EncodedData validation = encoder.Transform(validationSet);
        EncodedData test = encoder.Transform(testSet);
        Console.WriteLine(string.Join(", ", encoder.ColumnNames));

        HardSharingModel BuildModel(IReadOnlyList<string>? only = null) =>
            MultiTaskModel.HardSharing(encoder, backbone: [32, 32], head: [16], generator: new Generator(7), tasks: only);

        TrainerOptions Options(IReadOnlyList<string> taskNames, string? checkpointDirectory = null) => new()
        {
            Epochs = 40,
            BatchSize = 32,
            Seed = 42,
            Optimizer = new AdamOptions { LearningRate = 3e-3 },
            Weighting = new EqualWeighting(),
            Sampler = taskNames.Count > 1 ? TaskSampler.Temperature(2.0) : null,
            Callbacks = checkpointDirectory is null
                ? [new EarlyStopping("val_loss", patience: 10)]
                : [new EarlyStopping("val_loss", patience: 10), new ModelCheckpoint(checkpointDirectory)],
        };

        var model = BuildModel();
        var trainer = new MultiTaskTrainer(model, Options(model.TaskNames, checkpoints));
        TrainingReport report = trainer.Fit(train, validation, new EpochPrinter());
        Console.WriteLine(report);

        EvaluationResult result = trainer.Evaluate(test);
        Console.WriteLine(result);
        Console.WriteLine($"apartment RMSE on the test split: {result["apartment"]["rmse"]:N0} dollars");

        var newApartments = new Table("new apartments")
            .Add("size_sqft", [650.0, 1100.0])
            .Add("bedrooms", [1.0, 2.0])
            .Add("location", ["SACRAMENTO", "ROSEVILLE"]);
        var rows = MultiTaskDataset.FromTable(schema, tasks, newApartments, new TableOptions { Labels = [], KeepUnlabeledRows = true });
        TaskOutputs predictions = trainer.Predict(encoder.Transform(rows));
        for (int i = 0; i < rows.RowCount; i++)
            Console.WriteLine($"apartment {i}: {predictions["apartment"][i, 0]:N0} dollars");

        BaselineReport comparison = Baselines.Compare(
            taskNames => BuildModel(taskNames),
            taskNames => Options(taskNames),
            train, validation, test);
        Console.WriteLine(comparison);

        var resumedTrainer = new MultiTaskTrainer(BuildModel(), Options(model.TaskNames, checkpoints) with { Epochs = 50 });
        resumedTrainer.LoadCheckpoint(checkpoints);
        int restoredEpochs = resumedTrainer.EpochsCompleted;
        TrainingReport resumed = resumedTrainer.Fit(train, validation);
        Console.WriteLine($"resumed at epoch {restoredEpochs}, now {resumed.EpochsCompleted} epochs");

        ModelFile.Save(Path.Combine(dataDirectory, "prices.mtmodel"), model, encoder);

        Predictor predictor = ModelFile.Load(Path.Combine(dataDirectory, "prices.mtmodel"));
        TaskOutputs loaded = predictor.Predict(newApartments);   // the same numbers, to the bit

        return new Outcome(report, result, predictions, comparison, resumed, restoredEpochs, encoder.ColumnNames, loaded);
    }
}

/// <summary>Prints every tenth epoch as it finishes.</summary>
public sealed class EpochPrinter : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress progress)
    {
        if (progress.EpochRecord is { } epoch && epoch.Epoch % 10 == 0)
            Console.WriteLine($"epoch {epoch.Epoch}: loss {epoch.Loss:F4}, val_loss {epoch.ValidationLoss:F4}, " +
                              $"apartment RMSE {epoch["apartment.rmse"]:N0}");
    }
}
