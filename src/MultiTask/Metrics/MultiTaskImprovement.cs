using static System.FormattableString;

namespace MultiTask.Metrics;

/// <summary>One metric of one task, measured on the multi-task model and on its single-task baseline.</summary>
/// <param name="Task">The task's name.</param>
/// <param name="Metric">The metric's name, e.g. <c>"rmse"</c>.</param>
/// <param name="Direction">Which way the metric improves.</param>
/// <param name="MultiTask">The multi-task model's value.</param>
/// <param name="SingleTask">The single-task baseline's value; must not be 0.</param>
public sealed record MetricComparison(string Task, string Metric, MetricDirection Direction, double MultiTask, double SingleTask);

/// <summary>A <see cref="MetricComparison"/> with its signed relative change.</summary>
/// <param name="Comparison">The compared values.</param>
/// <param name="RelativeChange">Percent change, positive when the multi-task model is better.</param>
public sealed record MetricChange(MetricComparison Comparison, double RelativeChange);

/// <summary>The result of <see cref="MultiTaskImprovement.Compute"/>; all values are percentages.</summary>
/// <param name="DeltaM">Δm%: the mean signed relative change over every (task, metric) pair; positive means
/// the multi-task model is better on average.</param>
/// <param name="PerTask">Each task's mean signed relative change over its own metrics, keyed by task name.</param>
/// <param name="Changes">Every pair's signed relative change, in input order.</param>
public sealed record MultiTaskImprovementReport(
    double DeltaM,
    IReadOnlyDictionary<string, double> PerTask,
    IReadOnlyList<MetricChange> Changes);

/// <summary>Δm%, the average relative improvement of a multi-task model over single-task baselines.</summary>
/// <remarks>
/// <para>
/// Maninis, Radosavovic &amp; Kokkinos, "Attentive Single-Tasking of Multiple Tasks", CVPR 2019:
/// <c>Δm = (1/K) Σ_k (−1)^{l_k} (M_{m,k} − M_{b,k}) / M_{b,k} × 100%</c>, where <c>l_k = 1</c> when lower is
/// better for metric <c>k</c>, so a positive Δm means the multi-task model is better. As in later work
/// (e.g. Liu et al., "Auto-Lambda", TMLR 2022; Navon et al., "Nash-MTL", ICML 2022), the mean runs over
/// every (task, metric) pair given, so a task reported with three metrics weighs three times one reported
/// with one; <see cref="MultiTaskImprovementReport.PerTask"/> shows each task's own mean.
/// </para>
/// <para>
/// The change is divided by <c>|M_{b,k}|</c>, which is the paper's formula for the positive metrics it uses
/// and keeps "positive = better" true for a negative baseline such as an R² below 0.
/// </para>
/// </remarks>
public static class MultiTaskImprovement
{
    /// <summary>Signed relative change of one metric in percent, positive when the multi-task value is better.</summary>
    /// <param name="multiTask">The multi-task model's value.</param>
    /// <param name="singleTask">The single-task baseline's value; must be finite and non-zero.</param>
    /// <param name="direction">Which way the metric improves.</param>
    /// <exception cref="ArgumentException">A value is not finite or the baseline is 0.</exception>
    public static double RelativeChange(double multiTask, double singleTask, MetricDirection direction) =>
        Change(multiTask, singleTask, direction, "The metric", nameof(singleTask));

    /// <summary>Computes Δm%, the per-task means and every pair's relative change.</summary>
    /// <param name="comparisons">One entry per (task, metric) pair.</param>
    /// <exception cref="ArgumentException">The list is empty, a pair appears twice, a name is blank, a value
    /// is not finite, or a baseline is 0.</exception>
    public static MultiTaskImprovementReport Compute(IEnumerable<MetricComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var changes = new List<MetricChange>();
        var seen = new HashSet<(string, string)>();
        var taskOrder = new List<string>();
        var taskSums = new Dictionary<string, (double Sum, int Count)>();
        double total = 0;

        foreach (MetricComparison comparison in comparisons)
        {
            ArgumentNullException.ThrowIfNull(comparison, nameof(comparisons));
            if (string.IsNullOrWhiteSpace(comparison.Task) || string.IsNullOrWhiteSpace(comparison.Metric))
                throw new ArgumentException("Every comparison needs a task name and a metric name.", nameof(comparisons));
            if (!seen.Add((comparison.Task, comparison.Metric)))
                throw new ArgumentException(
                    Invariant($"Task '{comparison.Task}' metric '{comparison.Metric}' is given twice; pass each (task, metric) pair once."),
                    nameof(comparisons));

            double change = Change(comparison.MultiTask, comparison.SingleTask, comparison.Direction,
                Invariant($"Task '{comparison.Task}' metric '{comparison.Metric}'"), nameof(comparisons));
            changes.Add(new MetricChange(comparison, change));
            total += change;
            if (taskSums.TryGetValue(comparison.Task, out var acc))
            {
                taskSums[comparison.Task] = (acc.Sum + change, acc.Count + 1);
            }
            else
            {
                taskOrder.Add(comparison.Task);
                taskSums[comparison.Task] = (change, 1);
            }
        }

        if (changes.Count == 0)
            throw new ArgumentException("Δm needs at least one (task, metric) comparison.", nameof(comparisons));

        var perTask = new Dictionary<string, double>(taskOrder.Count);
        foreach (string task in taskOrder)
            perTask[task] = taskSums[task].Sum / taskSums[task].Count;
        return new MultiTaskImprovementReport(total / changes.Count, perTask, changes);
    }

    private static double Change(double multiTask, double singleTask, MetricDirection direction, string what, string parameterName)
    {
        if (!Enum.IsDefined(direction))
            throw new ArgumentOutOfRangeException(parameterName, direction, Invariant($"{what} has an unknown metric direction."));
        if (!double.IsFinite(multiTask) || !double.IsFinite(singleTask))
            throw new ArgumentException(
                Invariant($"{what} has a non-finite value (multi-task {multiTask}, single-task {singleTask}); Δm needs finite values for both."),
                parameterName);
        if (singleTask == 0)
            throw new ArgumentException(
                Invariant($"{what} has a single-task baseline of 0, so its relative change is undefined; ") +
                "leave this metric out of Δm or use one whose baseline is non-zero (e.g. RMSE instead of an error count).",
                parameterName);
        double change = (multiTask - singleTask) / Math.Abs(singleTask) * 100.0;
        return direction == MetricDirection.LowerIsBetter ? -change : change;
    }
}
