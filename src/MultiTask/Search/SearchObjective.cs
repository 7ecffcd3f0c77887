using System.Runtime.CompilerServices;
using MultiTask.Data;
using MultiTask.Metrics;
using MultiTask.Training;

namespace MultiTask.Search;

/// <summary>Ready-made objectives for <see cref="SearchStrategy.Run(SearchSpace, MultiTaskDataset, int, Func{TrialFold, double}, IProgress{SearchProgress}?, CancellationToken)"/>.</summary>
public static class SearchObjective
{
    /// <summary>
    /// The usual objective: per fold, fits a <see cref="FeatureEncoder"/> on the fold's training part only,
    /// builds the model and options with <paramref name="build"/>, trains with the fold's validation part as
    /// validation data (so early stopping and <c>val_*</c> callbacks work) and returns <paramref name="score"/>
    /// on that validation part. The search averages the folds.
    /// </summary>
    /// <param name="build">Builds the model and trainer options of a configuration.</param>
    /// <param name="score">
    /// What to score: <c>"val_loss"</c> (the sum of the task losses), <c>"val_loss.TASK"</c>, a task metric
    /// <c>"TASK.METRIC"</c> such as <c>"condo.rmse"</c>, or <c>"*.METRIC"</c> for the mean of a metric over
    /// the tasks that have it. Its direction must match <see cref="SearchOptions.Direction"/>.
    /// </param>
    /// <returns>The objective.</returns>
    public static Func<TrialFold, double> Train(ModelBuilder build, string score)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentException.ThrowIfNullOrWhiteSpace(score);
        // Folds train at the same time: a model, weighting, sampler or callback handed to two of them would
        // mix their state (learned loss weights, early-stopping counters) and make scores depend on timing.
        var seen = new ConditionalWeakTable<object, object>();
        return fold =>
        {
            var encoder = FeatureEncoder.Fit(fold.Train);
            var (model, options) = build(fold.Trial, encoder, fold.Budget, fold.Seed);
            if (model is null || options is null)
                throw new InvalidOperationException("The model builder returned a null model or null options; return a new model and new TrainerOptions.");
            RequireNew(seen, model, "model", "MultiTaskModel.HardSharing(encoder, ...)");
            RequireNew(seen, options.Weighting, "TrainerOptions.Weighting", "Weighting = new UncertaintyWeighting()");
            if (options.Sampler is not null) RequireNew(seen, options.Sampler, "TrainerOptions.Sampler", "Sampler = TaskSampler.Temperature(2)");
            foreach (var callback in options.Callbacks ?? []) RequireNew(seen, callback, $"callback {callback?.GetType().Name}", "Callbacks = [new EarlyStopping(...)]");
            var validation = encoder.Transform(fold.Validation);
            var trainer = new MultiTaskTrainer(model, options);
            // One evaluation pass of the untrained model finds a misspelt score key, a wrong direction or a
            // task without validation labels before the fold spends its whole budget training.
            Score(trainer.Evaluate(validation), score, fold.Direction);
            var report = trainer.Fit(encoder.Transform(fold.Train), validation, cancellationToken: fold.CancellationToken);
            return Score(report.FinalValidation ?? trainer.Evaluate(validation), score, fold.Direction);
        };
    }

    /// <summary>Reads a score key (see <see cref="Train"/>) from an evaluation.</summary>
    /// <param name="evaluation">The evaluation.</param>
    /// <param name="score">The score key.</param>
    /// <param name="direction">The search's direction; a key that improves the other way is an error.</param>
    /// <returns>The score.</returns>
    /// <exception cref="ArgumentException">The key names no task or metric, or improves the other way.</exception>
    /// <exception cref="InvalidOperationException">A task the key needs has no labels in the validation part.</exception>
    public static double Score(EvaluationResult evaluation, string score, MetricDirection direction)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentException.ThrowIfNullOrWhiteSpace(score);
        var tasks = evaluation.Tasks;
        if (score == "val_loss")
        {
            Check(score, MetricDirection.LowerIsBetter, direction);
            foreach (var t in tasks.Values) RequireLabels(t, score);
            return evaluation.Loss;
        }
        if (score.StartsWith("val_loss.", StringComparison.Ordinal))
        {
            var task = Task(evaluation, score["val_loss.".Length..], score);
            Check(score, MetricDirection.LowerIsBetter, direction);
            RequireLabels(task, score);
            return task.Loss;
        }
        if (score.StartsWith("*.", StringComparison.Ordinal))
        {
            string metric = score[2..];
            var having = tasks.Values.Where(t => t.Metrics.ContainsKey(metric)).ToArray();
            if (having.Length == 0)
                throw new ArgumentException(
                    $"Score '{score}': no task has a metric '{metric}'; the metrics are: {string.Join(", ", tasks.Values.SelectMany(t => t.Metrics.Keys.Select(m => "*." + m)).Distinct())}.",
                    nameof(score));
            Check(score, having[0].Directions[metric], direction);
            foreach (var t in having) RequireLabels(t, score);
            return having.Average(t => t[metric]);
        }
        // The task name is the longest one the key starts with, so task names may contain dots.
        var owner = tasks.Values.Where(t => score.StartsWith(t.Task + ".", StringComparison.Ordinal)).MaxBy(t => t.Task.Length)
            ?? throw new ArgumentException(
                $"Score '{score}' names no task; use \"val_loss\", \"val_loss.TASK\", \"TASK.METRIC\" or \"*.METRIC\" with tasks {string.Join(", ", tasks.Keys)}.",
                nameof(score));
        string name = score[(owner.Task.Length + 1)..];
        if (!owner.Metrics.ContainsKey(name))
            throw new ArgumentException(
                $"Score '{score}': task '{owner.Task}' has no metric '{name}'; its metrics are: {string.Join(", ", owner.Metrics.Keys)}.", nameof(score));
        Check(score, owner.Directions[name], direction);
        RequireLabels(owner, score);
        return owner[name];
    }

    private static void RequireNew(ConditionalWeakTable<object, object> seen, object? instance, string what, string example)
    {
        if (instance is null) return;
        if (!seen.TryAdd(instance, instance))
            throw new InvalidOperationException(
                $"The model builder returned a {what} instance that it already returned for another fold or trial; folds train in parallel and must not share state. " +
                $"Create it inside the builder ({example}).");
    }

    private static TaskEvaluation Task(EvaluationResult evaluation, string task, string score) =>
        evaluation.Tasks.TryGetValue(task, out var t) ? t
            : throw new ArgumentException($"Score '{score}' names no task '{task}'; the tasks are: {string.Join(", ", evaluation.Tasks.Keys)}.", nameof(score));

    private static void Check(string score, MetricDirection scoreDirection, MetricDirection searchDirection)
    {
        if (scoreDirection != searchDirection)
            throw new ArgumentException(
                $"Score '{score}' is {(scoreDirection == MetricDirection.LowerIsBetter ? "lower" : "higher")}-is-better but the search's direction is {searchDirection}; " +
                $"set SearchOptions.Direction = MetricDirection.{scoreDirection}.", nameof(score));
    }

    private static void RequireLabels(TaskEvaluation task, string score)
    {
        if (task.LabelCount == 0)
            throw new InvalidOperationException(
                $"Score '{score}' needs task '{task.Task}', which has no labels in this fold's validation part; use fewer folds or more labelled rows.");
    }
}
