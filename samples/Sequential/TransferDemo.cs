using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Saving;
using MultiTask.Training;
using MultiTask.Transfer;

/// <summary>How the transfer part trains.</summary>
internal sealed record TransferSettings(int[] Backbone, int PretrainEpochs, int Epochs, int FrozenEpochs, int NewRows, double LearningRate);

/// <summary>One method's test RMSE of one new task after every epoch, for one seed.</summary>
internal sealed record TransferCurve(string Method, string Task, int Seed, double[] Rmse, string Case = "");

/// <summary>
/// A model pre-trained on the common building types is saved, loaded back and given heads for two rare types, trained from a
/// few rows each: heads only (the backbone frozen throughout), two-stage fine-tuning, and a model of the same architecture
/// trained from scratch on the same rows.
/// </summary>
internal static class TransferDemo
{
    public const string HeadsOnly = "transfer: heads only", TwoStage = "transfer: two-stage", Scratch = "from scratch";

    public static List<TransferCurve> Run(TaskData data, string[] source, string[] target, int seeds, TransferSettings settings, string outputDir)
    {
        var curves = new List<TransferCurve>();
        for (int seed = 1; seed <= seeds; seed++)
        {
            var targetSplits = target.ToDictionary(t => t, t => data.Split(t, (ulong)seed, test: 0.3));
            // The new tasks' test rows never reach pre-training, even unlabelled for them (meats label every row for every task).
            var heldOut = target.SelectMany(t => targetSplits[t].Test).ToHashSet();
            var sourceSplits = source.ToDictionary(t => t, t => data.Split(t, (ulong)seed, test: 0.2) is var (train, test)
                ? (Train: train.Where(r => !heldOut.Contains(r)).ToArray(), Test: test) : default);
            string file = Path.Combine(outputDir, $"pretrained-{data.Name}-seed{seed}.mtmodel");
            Pretrain(data, source, sourceSplits, settings, seed, file);

            // A few training rows per new task; every remaining row of the type is a test row.
            var rows = target.SelectMany(t => targetSplits[t].Train.Take(settings.NewRows)).ToArray();
            var testRows = target.SelectMany(t => targetSplits[t].Test).ToArray();
            // The new tasks' targets are standardised on their own few rows, for every method alike (not on the source's scale).
            var specs = target.Select(t => data.Task(t) with { TargetGroup = null }).ToArray();
            var newTrain = data.Dataset(specs, rows, target);
            var newTest = data.Dataset(specs, testRows, target);

            foreach (var method in new[] { HeadsOnly, TwoStage })
            {
                // Each method loads its own copy of the pre-trained model from the file.
                var transferred = TransferLearning.AddTasks(ModelFile.LoadModel(file), newTrain, generator: new Generator((ulong)seed));
                var encoder = transferred.Encoder;
                var fineTuning = new FineTuningOptions
                {
                    FrozenEpochs = method == HeadsOnly ? settings.Epochs : settings.FrozenEpochs,
                    UnfrozenEpochs = method == HeadsOnly ? 0 : settings.Epochs - settings.FrozenEpochs,
                    SharedLearningRateFactor = 0.1,
                };
                // The test rows are passed as validation data only to record their RMSE after every epoch; nothing selects on them.
                var report = FineTuning.Fit(transferred.NewTasksModel, encoder.Transform(newTrain), encoder.Transform(newTest), Options(settings, seed), fineTuning);
                curves.AddRange(target.Select(t => new TransferCurve(method, t, seed, Curve(report, t))));
            }

            var scratchEncoder = FeatureEncoder.Fit(newTrain);
            var scratch = MultiTaskModel.HardSharing(scratchEncoder, backbone: settings.Backbone, generator: new Generator((ulong)seed));
            var scratchReport = new MultiTaskTrainer(scratch, Options(settings, seed) with { Epochs = settings.Epochs })
                .Fit(scratchEncoder.Transform(newTrain), scratchEncoder.Transform(newTest));
            curves.AddRange(target.Select(t => new TransferCurve(Scratch, t, seed, Curve(scratchReport, t))));
        }
        return curves;
    }

    private static void Pretrain(TaskData data, string[] source, Dictionary<string, (int[] Train, int[] Test)> splits, TransferSettings settings, int seed, string file)
    {
        var train = data.Dataset(source, [.. source.SelectMany(t => splits[t].Train)], source);
        var encoder = FeatureEncoder.Fit(train);
        var model = MultiTaskModel.HardSharing(encoder, backbone: settings.Backbone, generator: new Generator((ulong)seed));
        new MultiTaskTrainer(model, Options(settings, seed) with { Epochs = settings.PretrainEpochs, BatchSize = 32 }).Fit(encoder.Transform(train));
        ModelFile.Save(file, model, encoder);
    }

    private static TrainerOptions Options(TransferSettings settings, int seed) => new()
    {
        BatchSize = 16, Seed = (ulong)seed, Optimizer = new AdamOptions { LearningRate = settings.LearningRate },
    };

    private static double[] Curve(TrainingReport report, string task) => [.. report.History.Select(r => r[task + ".rmse"])];
}
