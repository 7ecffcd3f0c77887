using System.Globalization;
using System.Text;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Metrics;
using MultiTask.Weighting;

namespace MultiTask.Training;

/// <summary>Single-task baselines and Δm%: is the multi-task model better than one model per task?</summary>
public static class Baselines
{
    /// <summary>
    /// Trains the multi-task model on all tasks and, with the same architecture and options, one model per
    /// task; evaluates each on <paramref name="test"/> and compares them metric by metric (Δm%, Maninis et al. 2019).
    /// </summary>
    /// <remarks>
    /// The factory gets the task subset: all tasks for the multi-task model, one task for each baseline (a
    /// single-task model simply ignores the other tasks' labels). Single-task runs use
    /// <see cref="EqualWeighting"/> (with one task every strategy reduces to its loss); callbacks are shared
    /// between the runs and reset at each run's start, so a <see cref="ModelCheckpoint"/> would be overwritten —
    /// use the overload with an options factory to give each run its own.
    /// </remarks>
    /// <param name="modelFactory">Builds a model for a list of task names.</param>
    /// <param name="options">The options of the multi-task run (its weighting instance is used by that run only).</param>
    /// <param name="train">The training data.</param>
    /// <param name="validation">Validation data (early stopping, monitoring); optional.</param>
    /// <param name="test">The data every model is evaluated on.</param>
    /// <param name="tasks">The tasks to compare (default: every task with training labels).</param>
    /// <param name="cancellationToken">Cancels training.</param>
    /// <returns>Per task the single- and multi-task metrics, their relative changes, and Δm%.</returns>
    public static BaselineReport Compare(Func<IReadOnlyList<string>, MultiTaskModel> modelFactory, TrainerOptions options,
        EncodedData train, EncodedData? validation, EncodedData test, IReadOnlyList<string>? tasks = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Compare(modelFactory, subset => subset.Count == 1 ? options with { Weighting = new EqualWeighting() } : options,
            train, validation, test, tasks, cancellationToken);
    }

    /// <summary>As <see cref="Compare(Func{IReadOnlyList{string}, MultiTaskModel}, TrainerOptions, EncodedData, EncodedData?, EncodedData, IReadOnlyList{string}?, CancellationToken)"/>, with options built per run from the run's task list.</summary>
    /// <param name="modelFactory">Builds a model for a list of task names.</param>
    /// <param name="optionsFactory">Builds the options of the run for a list of task names (fresh weighting and callbacks per run).</param>
    /// <param name="train">The training data.</param>
    /// <param name="validation">Validation data; optional.</param>
    /// <param name="test">The data every model is evaluated on.</param>
    /// <param name="tasks">The tasks to compare (default: every task with training labels).</param>
    /// <param name="cancellationToken">Cancels training.</param>
    /// <returns>The comparison.</returns>
    public static BaselineReport Compare(Func<IReadOnlyList<string>, MultiTaskModel> modelFactory, Func<IReadOnlyList<string>, TrainerOptions> optionsFactory,
        EncodedData train, EncodedData? validation, EncodedData test, IReadOnlyList<string>? tasks = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelFactory);
        ArgumentNullException.ThrowIfNull(optionsFactory);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        var names = tasks?.ToArray() ?? train.Tasks.Where(t => train.LabelCount(t.Name) > 0).Select(t => t.Name).ToArray();
        if (names.Length < 2)
            throw new ArgumentException($"A baseline comparison needs at least two tasks, got {names.Length} ({string.Join(", ", names)}).", nameof(tasks));

        var multi = Run(modelFactory, optionsFactory, names, train, validation, test, cancellationToken);
        var single = new OrderedDictionary<string, TaskEvaluation>(StringComparer.Ordinal);
        foreach (var task in names)
            single[task] = Run(modelFactory, optionsFactory, [task], train, validation, test, cancellationToken)[task];

        var comparisons = new List<MetricComparison>();
        foreach (var task in names)
        {
            var m = multi[task];
            var s = single[task];
            foreach (var (metric, value) in m.Metrics)
            {
                // An undefined or zero baseline has no relative change.
                if (!s.Metrics.TryGetValue(metric, out var baseline) || !double.IsFinite(value) || !double.IsFinite(baseline) || baseline == 0) continue;
                comparisons.Add(new MetricComparison(task, metric, m.Directions[metric], value, baseline));
            }
        }
        if (comparisons.Count == 0)
            throw new InvalidOperationException("No metric could be compared (every value was undefined); give the tasks metrics and test labels.");
        return new BaselineReport(names, multi, single, MultiTaskImprovement.Compute(comparisons));
    }

    private static EvaluationResult Run(Func<IReadOnlyList<string>, MultiTaskModel> modelFactory, Func<IReadOnlyList<string>, TrainerOptions> optionsFactory,
        IReadOnlyList<string> tasks, EncodedData train, EncodedData? validation, EncodedData test, CancellationToken cancellationToken)
    {
        var model = modelFactory(tasks) ?? throw new InvalidOperationException("The model factory returned null.");
        if (!model.TaskNames.SequenceEqual(tasks, StringComparer.Ordinal))
            throw new InvalidOperationException(
                $"The model factory was asked for tasks {string.Join(", ", tasks)} but built a model for {string.Join(", ", model.TaskNames)}; build exactly the requested tasks, in order.");
        var trainer = new MultiTaskTrainer(model, optionsFactory(tasks));
        trainer.Fit(train, validation, cancellationToken: cancellationToken);
        return trainer.Evaluate(test);
    }
}

/// <summary>The result of <see cref="Baselines.Compare(Func{IReadOnlyList{string}, MultiTaskModel}, TrainerOptions, EncodedData, EncodedData?, EncodedData, IReadOnlyList{string}?, CancellationToken)"/>.</summary>
public sealed class BaselineReport
{
    internal BaselineReport(IReadOnlyList<string> tasks, EvaluationResult multiTask, IReadOnlyDictionary<string, TaskEvaluation> singleTask,
        MultiTaskImprovementReport improvement)
    {
        Tasks = tasks;
        MultiTask = multiTask;
        SingleTask = singleTask;
        Improvement = improvement;
    }

    /// <summary>The compared tasks.</summary>
    public IReadOnlyList<string> Tasks { get; }

    /// <summary>The multi-task model's test evaluation.</summary>
    public EvaluationResult MultiTask { get; }

    /// <summary>Each task's single-task baseline test evaluation.</summary>
    public IReadOnlyDictionary<string, TaskEvaluation> SingleTask { get; }

    /// <summary>Every metric's relative change and the per-task means (percentages, positive = multi-task better).</summary>
    public MultiTaskImprovementReport Improvement { get; }

    /// <summary>Δm%: the mean relative change over every (task, metric) pair; positive means multi-task learning helped.</summary>
    public double DeltaM => Improvement.DeltaM;

    /// <summary>A table of task, metric, single-task value, multi-task value and change, then Δm%.</summary>
    /// <returns>The table.</returns>
    public override string ToString()
    {
        var rows = new List<string[]> { new[] { "task", "metric", "single-task", "multi-task", "change %" } };
        foreach (var change in Improvement.Changes)
        {
            var c = change.Comparison;
            rows.Add([c.Task, c.Metric, Format(c.SingleTask), Format(c.MultiTask), change.RelativeChange.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture)]);
        }
        var widths = Enumerable.Range(0, 5).Select(j => rows.Max(r => r[j].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var r in rows)
            sb.AppendLine(string.Join("  ", r.Select((cell, j) => j < 2 ? cell.PadRight(widths[j]) : cell.PadLeft(widths[j]))).TrimEnd());
        sb.Append(CultureInfo.InvariantCulture, $"Δm% = {DeltaM:+0.00;-0.00;0.00} (positive: the multi-task model is better)");
        return sb.ToString();
    }

    private static string Format(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
