using MultiTask.Architectures;
using MultiTask.Metrics;
using MultiTask.Training;

namespace MultiTask.Continual;

/// <summary>
/// Trains the tasks of a hard-sharing model one stage after another, each stage seeing only its own tasks' data (plus, with
/// rehearsal, the replay buffer's rows), and measures forgetting: after every stage, every task learned so far is evaluated
/// on its test rows.
/// </summary>
/// <remarks>
/// <para>Stage s trains <see cref="HardSharingModel.ForTasks"/> of its tasks — the shared part and their heads, the other
/// heads untouched — with a new <see cref="MultiTaskTrainer"/> built from <see cref="ContinualOptions.StageOptions"/>(s).
/// Without protection the shared part is free to move away from what earlier tasks' heads read: that is the forgetting
/// the results matrix shows.</para>
/// <para><b>EWC</b> (<see cref="ContinualOptions.EwcStrength"/>): after each stage its tasks are consolidated on its training rows;
/// the stages after it train with the <see cref="ElasticWeightConsolidation"/> term as their regularisation.
/// <b>Rehearsal</b> (<see cref="ContinualOptions.ReplayCapacity"/>): after each stage its training rows pass through a
/// <see cref="ReplayBuffer"/>; later stages train on their data plus the buffer's rows, and so train the earlier tasks'
/// heads too. Both may be on at once.</para>
/// </remarks>
public static class SequentialTraining
{
    /// <summary>Trains the stages in order and evaluates every learned task after each.</summary>
    /// <param name="model">The model, with a head for every task of every stage.</param>
    /// <param name="stages">The stages; each task belongs to one stage.</param>
    /// <param name="options">Trainer options per stage, EWC, rehearsal and the metric.</param>
    /// <returns>The results matrix and the stages' reports.</returns>
    /// <exception cref="ArgumentException">No stage, a stage without tasks, a task the model lacks or two stages share, a stage's data without labels for its tasks, a metric a task does not report, or a stage's options with their own regularisation while EWC is on.</exception>
    public static ContinualReport Fit(HardSharingModel model, IReadOnlyList<ContinualStage> stages, ContinualOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var (tasks, introducedAt) = CheckStages(model, stages);

        var ewc = options.EwcStrength > 0 ? new ElasticWeightConsolidation(options.EwcStrength, options.EwcParameters) : null;
        var replay = options.ReplayCapacity > 0 ? new ReplayBuffer(options.ReplayCapacity, options.ReplaySeed) : null;
        var values = new double[stages.Count, tasks.Length];
        var directions = new Dictionary<string, MetricDirection>(StringComparer.Ordinal);
        var reports = new List<TrainingReport>();
        for (int s = 0; s < stages.Count; s++)
        {
            var stage = stages[s];
            var train = replay?.Mix(stage.Train) ?? stage.Train;
            // With rehearsal the earlier tasks have labels again (the buffer's rows), so their heads train too.
            var trained = model.TaskNames.Where(t => stage.Tasks.Contains(t)
                || train.Tasks.Any(d => d.Name == t) && train.LabelCount(t) > 0 && Array.IndexOf(tasks, t) is var j && j >= 0 && introducedAt[j] < s).ToList();
            var view = model.ForTasks(trained);
            var stageOptions = options.StageOptions(s) ?? throw new ArgumentException($"ContinualOptions.StageOptions({s}) returned null.", nameof(options));
            if (ewc is not null)
            {
                if (stageOptions.Regularization is not null)
                    throw new ArgumentException(
                        $"Stage {s}'s options have their own Regularization ({stageOptions.Regularization}), but with EwcStrength set the stage's term is the EWC penalty; leave it null.", nameof(options));
                stageOptions = stageOptions with { Regularization = ewc };
            }
            reports.Add(new MultiTaskTrainer(view, stageOptions).Fit(train));
            foreach (var task in stage.Tasks) ewc?.Consolidate(model.ForTasks([task]), stage.Train, task);
            replay?.Add(stage.Train, stage.Tasks);

            for (int j = 0; j < tasks.Length; j++)
            {
                if (introducedAt[j] > s)
                {
                    values[s, j] = double.NaN;
                    continue;
                }
                var evaluation = new MultiTaskTrainer(model.ForTasks([tasks[j]])).Evaluate(stages[introducedAt[j]].Test)[tasks[j]];
                if (!evaluation.Directions.TryGetValue(options.Metric, out var direction))
                    throw new ArgumentException(
                        $"Task '{tasks[j]}' does not report metric '{options.Metric}' (it reports {string.Join(", ", evaluation.Metrics.Keys)}); choose one every task reports.", nameof(options));
                values[s, j] = evaluation[options.Metric];
                directions[tasks[j]] = direction;
            }
        }
        if (directions.Values.Distinct().Count() > 1)
            throw new ArgumentException($"Metric '{options.Metric}' is better higher for some tasks and lower for others; choose one metric of one direction.", nameof(options));
        var results = new ContinualMatrix(tasks, values, directions.Values.First(), options.Metric, introducedAt);
        return new ContinualReport(results, reports, ewc, replay);
    }

    private static (string[] Tasks, int[] IntroducedAt) CheckStages(HardSharingModel model, IReadOnlyList<ContinualStage> stages)
    {
        if (stages.Count == 0) throw new ArgumentException("Sequential training needs at least one stage.", nameof(stages));
        var tasks = new List<string>();
        var introduced = new List<int>();
        for (int s = 0; s < stages.Count; s++)
        {
            var stage = stages[s] ?? throw new ArgumentException($"Stage {s} is null.", nameof(stages));
            if (stage.Tasks is null || stage.Tasks.Count == 0 || stage.Train is null || stage.Test is null)
                throw new ArgumentException($"Stage {s} needs its tasks, training data and test data.", nameof(stages));
            foreach (var task in stage.Tasks)
            {
                if (!model.TaskNames.Contains(task, StringComparer.Ordinal))
                    throw new ArgumentException($"Stage {s} trains task '{task}', which the model lacks; build it with a head for every stage's task ({string.Join(", ", model.TaskNames.Select(t => $"'{t}'"))}).", nameof(stages));
                int earlier = tasks.IndexOf(task);
                if (earlier >= 0)
                    throw new ArgumentException($"Task '{task}' is trained in stage {introduced[earlier]} and again in stage {s}; each task belongs to one stage.", nameof(stages));
                foreach (var (data, role) in new[] { (stage.Train, "training"), (stage.Test, "test") })
                {
                    if (!data.Tasks.Any(t => t.Name == task) || data.LabelCount(task) == 0)
                        throw new ArgumentException($"Stage {s}'s {role} data has no labels for its task '{task}'.", nameof(stages));
                }
                tasks.Add(task);
                introduced.Add(s);
            }
        }
        return ([.. tasks], [.. introduced]);
    }
}
