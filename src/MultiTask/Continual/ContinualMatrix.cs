using System.Globalization;
using System.Text;
using MultiTask.Metrics;

namespace MultiTask.Continual;

/// <summary>
/// The results of sequential training: R[stage, task], a task's evaluation metric on its test rows after each stage, and
/// the forgetting measures built on it.
/// </summary>
/// <remarks>
/// Lopez-Paz &amp; Ranzato, "Gradient Episodic Memory for Continual Learning", NeurIPS 2017. A task introduced at stage s
/// has R[s', task] = NaN for s' &lt; s (not learned yet). <see cref="BackwardTransfer"/> is their BWT, the mean over the
/// tasks introduced before the last stage of R[last, task] − R[introduced, task], with one sign convention for every
/// metric: <b>negative means forgetting</b>. For a metric where higher is better (accuracy, R²) that is their formula as
/// written; for a lower-is-better metric (RMSE, loss) the difference is negated, R[introduced, task] − R[last, task], so
/// that an error grown by 0.1 gives BWT −0.1, not +0.1.
/// </remarks>
public sealed class ContinualMatrix
{
    private readonly double[,] _values;
    private readonly int[] _introducedAt;

    /// <summary>Creates the matrix from its values.</summary>
    /// <param name="tasks">The tasks, in the order of the columns.</param>
    /// <param name="values">R[stage, task]: rows are stages, columns tasks; NaN before a task's stage.</param>
    /// <param name="direction">Whether a higher or a lower value of the metric is better.</param>
    /// <param name="metric">The metric's name, e.g. <c>rmse</c>.</param>
    /// <param name="introducedAt">The stage that trains each task (default: task j at stage j, one task per stage).</param>
    /// <exception cref="ArgumentException">Sizes that do not match, a stage out of range, or a missing value at or after a task's stage.</exception>
    public ContinualMatrix(IReadOnlyList<string> tasks, double[,] values, MetricDirection direction, string metric = "", IReadOnlyList<int>? introducedAt = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(metric);
        if (tasks.Count == 0 || values.GetLength(1) != tasks.Count || values.GetLength(0) == 0)
            throw new ArgumentException($"R has shape [{values.GetLength(0)}, {values.GetLength(1)}] but there are {tasks.Count} tasks; it needs one row per stage and one column per task.", nameof(values));
        introducedAt ??= [.. Enumerable.Range(0, tasks.Count)];
        if (introducedAt.Count != tasks.Count)
            throw new ArgumentException($"introducedAt has {introducedAt.Count} entries for {tasks.Count} tasks.", nameof(introducedAt));
        int stages = values.GetLength(0);
        for (int j = 0; j < tasks.Count; j++)
        {
            if (introducedAt[j] < 0 || introducedAt[j] >= stages)
                throw new ArgumentException($"Task '{tasks[j]}' is introduced at stage {introducedAt[j]}, but R has stages 0 to {stages - 1}.", nameof(introducedAt));
            for (int s = introducedAt[j]; s < stages; s++)
            {
                if (double.IsNaN(values[s, j]))
                    throw new ArgumentException($"R[{s}, '{tasks[j]}'] is NaN, but the task is learned from stage {introducedAt[j]} on; every later stage needs its value.", nameof(values));
            }
        }
        Tasks = [.. tasks];
        _values = (double[,])values.Clone();
        _introducedAt = [.. introducedAt];
        Direction = direction;
        Metric = metric;
    }

    /// <summary>The tasks, in the order of the columns.</summary>
    public IReadOnlyList<string> Tasks { get; }

    /// <summary>The number of stages (rows).</summary>
    public int StageCount => _values.GetLength(0);

    /// <summary>The metric's name.</summary>
    public string Metric { get; }

    /// <summary>Whether a higher or a lower value of the metric is better.</summary>
    public MetricDirection Direction { get; }

    /// <summary>R[stage, task]: the metric of task column <paramref name="task"/> after stage <paramref name="stage"/>.</summary>
    public double this[int stage, int task] => _values[stage, task];

    /// <summary>R[stage, task] by task name.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public double this[int stage, string task] => _values[stage, Column(task)];

    /// <summary>The stage that trains <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public int IntroducedAt(string task) => _introducedAt[Column(task)];

    /// <summary>
    /// BWT: the mean over tasks introduced before the last stage of the change of their metric from the end of their own stage
    /// to the end of the last stage, signed so that negative means forgetting (see the class remarks); NaN when every task is
    /// introduced at the last stage.
    /// </summary>
    public double BackwardTransfer
    {
        get
        {
            int last = StageCount - 1;
            var changes = Enumerable.Range(0, Tasks.Count).Where(j => _introducedAt[j] < last)
                .Select(j => _values[last, j] - _values[_introducedAt[j], j]).ToList();
            if (changes.Count == 0) return double.NaN;
            double mean = changes.Average();
            return Direction == MetricDirection.HigherIsBetter ? mean : -mean;
        }
    }

    /// <summary>The mean over every task of its metric after the last stage (GEM's ACC for accuracy).</summary>
    public double FinalAverage => Enumerable.Range(0, Tasks.Count).Average(j => _values[StageCount - 1, j]);

    /// <summary>The matrix as a text table: one row per stage, one column per task.</summary>
    /// <returns>The table.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"R (" + Metric + ")",-14}");
        foreach (var task in Tasks) text.Append(CultureInfo.InvariantCulture, $"{task,12}");
        text.AppendLine();
        for (int s = 0; s < StageCount; s++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{"after stage " + s,-14}");
            for (int j = 0; j < Tasks.Count; j++)
                text.Append(double.IsNaN(_values[s, j]) ? $"{"—",12}" : string.Create(CultureInfo.InvariantCulture, $"{_values[s, j],12:G5}"));
            text.AppendLine();
        }
        text.Append(CultureInfo.InvariantCulture, $"BWT {BackwardTransfer:G4} (negative: forgetting)");
        return text.ToString();
    }

    private int Column(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        for (int j = 0; j < Tasks.Count; j++)
            if (Tasks[j] == task) return j;
        throw new ArgumentException($"Unknown task '{task}'; the tasks are: {string.Join(", ", Tasks.Select(t => $"'{t}'"))}.", nameof(task));
    }
}
