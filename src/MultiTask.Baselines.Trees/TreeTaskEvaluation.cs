using MultiTask.Metrics;

namespace MultiTask.Baselines.Trees;

/// <summary>One task's metrics of a <see cref="GradientBoostedTrees"/> baseline, in the user's units.</summary>
public sealed class TreeTaskEvaluation
{
    internal TreeTaskEvaluation(string task, int labelCount, IReadOnlyDictionary<string, double> metrics,
        IReadOnlyDictionary<string, MetricDirection> directions)
    {
        Task = task;
        LabelCount = labelCount;
        Metrics = metrics;
        Directions = directions;
    }

    /// <summary>The task name.</summary>
    public string Task { get; }

    /// <summary>The number of labelled rows scored.</summary>
    public int LabelCount { get; }

    /// <summary>
    /// The metrics by name, in order: the task's <see cref="Tasks.TaskSpec.Metrics"/> or the default set
    /// of its kind (regression: rmse, mae, r2), as the multi-task trainer reports them; NaN where
    /// undefined (e.g. no labels).
    /// </summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>Which way each metric improves, by name.</summary>
    public IReadOnlyDictionary<string, MetricDirection> Directions { get; }

    /// <summary>The value of metric <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such metric; the message lists the task's metrics.</exception>
    public double this[string name] => Metrics.TryGetValue(name, out var v) ? v
        : throw new KeyNotFoundException($"Task '{Task}' has no metric '{name}'; its metrics are: {string.Join(", ", Metrics.Keys)}.");
}
