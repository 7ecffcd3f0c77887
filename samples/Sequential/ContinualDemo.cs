using MultiTask.Architectures;
using MultiTask.Continual;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;
using MultiTask.Training;

/// <summary>How the sequential part trains: the same network and stage budget for every method.</summary>
internal sealed record ContinualSettings(int[] Backbone, int Epochs, int BatchSize, double LearningRate, double EwcStrength, int ReplayCapacity);

/// <summary>One method's results matrix for one seed.</summary>
internal sealed record ContinualRun(string Case, string Method, int Seed, ContinualMatrix Results);

/// <summary>
/// Tasks learned one after another on one shared backbone: naive sequential training, elastic weight consolidation,
/// rehearsal from a replay buffer, and joint training on every task at once as the upper bound.
/// </summary>
internal static class ContinualDemo
{
    public const string Naive = "naive", Ewc = "EWC", Replay = "replay", Joint = "joint (upper bound)";

    public static List<ContinualRun> Run(TaskData data, string[] order, int seeds, ContinualSettings settings)
    {
        var runs = new List<ContinualRun>();
        for (int seed = 1; seed <= seeds; seed++)
        {
            var splits = order.ToDictionary(t => t, t => data.Split(t, (ulong)seed, test: 0.2));
            // Stage 0's encoder is fitted on its own training rows; each later stage adds its task to the previous encoder
            // (FeatureEncoder.WithTasks): the inputs stay encoded as the backbone first learned them, and nothing of a later
            // stage's data is seen before that stage.
            var encoders = new FeatureEncoder[order.Length];
            var stages = new ContinualStage[order.Length];
            for (int s = 0; s < order.Length; s++)
            {
                string[] known = order[..(s + 1)];
                var train = data.Dataset(known, splits[order[s]].Train, [order[s]]);
                encoders[s] = s == 0 ? FeatureEncoder.Fit(train) : encoders[s - 1].WithTasks(train);
                stages[s] = new ContinualStage(order[s], encoders[s].Transform(train), encoders[s].Transform(data.Dataset(known, splits[order[s]].Test, [order[s]])));
            }
            var methods = new (string Name, ContinualOptions Options)[]
            {
                (Naive, Options(settings, seed)),
                (Ewc, Options(settings, seed) with { EwcStrength = settings.EwcStrength }),
                (Replay, Options(settings, seed) with { ReplayCapacity = settings.ReplayCapacity, ReplaySeed = (ulong)seed }),
            };
            foreach (var (name, options) in methods)
            {
                var model = Model(encoders[^1], settings, seed);
                runs.Add(new ContinualRun(data.Name, name, seed, SequentialTraining.Fit(model, stages, options).Results));
            }
            runs.Add(new ContinualRun(data.Name, Joint, seed, JointTraining(data, order, splits, encoders, stages, settings, seed)));
        }
        return runs;
    }

    private static HardSharingModel Model(FeatureEncoder encoder, ContinualSettings settings, int seed) =>
        MultiTaskModel.HardSharing(encoder, backbone: settings.Backbone, generator: new Generator((ulong)seed));

    private static ContinualOptions Options(ContinualSettings settings, int seed) => new()
    {
        StageOptions = stage => new TrainerOptions
        {
            Epochs = settings.Epochs, BatchSize = settings.BatchSize, Seed = (ulong)(100 * seed + stage),
            Optimizer = new AdamOptions { LearningRate = settings.LearningRate },
        },
        Metric = "rmse",
    };

    /// <summary>Every task's training rows at once, one model, the same epochs: what sequential training tries to approach.</summary>
    private static ContinualMatrix JointTraining(TaskData data, string[] order, Dictionary<string, (int[] Train, int[] Test)> splits,
        FeatureEncoder[] encoders, ContinualStage[] stages, ContinualSettings settings, int seed)
    {
        var rows = order.SelectMany(t => splits[t].Train).ToArray();
        var train = encoders[^1].Transform(data.Dataset(order, rows, order));
        var model = Model(encoders[^1], settings, seed);
        new MultiTaskTrainer(model, Options(settings, seed).StageOptions(0)).Fit(train);
        var values = new double[1, order.Length];
        for (int j = 0; j < order.Length; j++)
            values[0, j] = new MultiTaskTrainer(model.ForTasks([order[j]])).Evaluate(stages[j].Test)[order[j]]["rmse"];
        return new ContinualMatrix(order, values, MetricDirection.LowerIsBetter, "rmse", [.. order.Select(_ => 0)]);
    }
}
