using System.Globalization;
using System.Text;
using MultiTask.Metrics;

namespace MultiTask.Training;

/// <summary>One task's loss and metrics on some data, from <see cref="MultiTaskTrainer.Evaluate"/>.</summary>
public sealed class TaskEvaluation
{
    internal TaskEvaluation(string task, double loss, int labelCount, OrderedDictionary<string, double> metrics,
        Dictionary<string, MetricDirection> directions)
    {
        Task = task;
        Loss = loss;
        LabelCount = labelCount;
        Metrics = metrics;
        Directions = directions;
    }

    /// <summary>The task name.</summary>
    public string Task { get; }

    /// <summary>The task's mean loss over its labelled rows (in the loss's units, e.g. standardised targets), NaN without labels.</summary>
    public double Loss { get; }

    /// <summary>The number of labelled rows.</summary>
    public int LabelCount { get; }

    /// <summary>The metrics by name, in the user's units (NaN where undefined, e.g. no labels).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>Which way each metric improves, by name.</summary>
    public IReadOnlyDictionary<string, MetricDirection> Directions { get; }

    /// <summary>The value of metric <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such metric; the message lists the task's metrics.</exception>
    public double this[string name] => Metrics.TryGetValue(name, out var v) ? v
        : throw new KeyNotFoundException($"Task '{Task}' has no metric '{name}'; its metrics are: {string.Join(", ", Metrics.Keys)}.");

    /// <summary>The same evaluation under another task name (a pooled task's figures reported for one of the tasks it pools).</summary>
    internal TaskEvaluation Renamed(string task) =>
        new(task, Loss, LabelCount, new OrderedDictionary<string, double>(Metrics), new Dictionary<string, MetricDirection>(Directions));
}

/// <summary>The per-task losses and metrics of a model on some data.</summary>
public sealed class EvaluationResult
{
    private readonly OrderedDictionary<string, TaskEvaluation> _tasks;

    internal EvaluationResult(OrderedDictionary<string, TaskEvaluation> tasks) => _tasks = tasks;

    internal EvaluationResult(IEnumerable<TaskEvaluation> tasks)
        : this(new OrderedDictionary<string, TaskEvaluation>(tasks.Select(t => KeyValuePair.Create(t.Task, t))))
    {
    }

    /// <summary>Each task's evaluation, in model order.</summary>
    public IReadOnlyDictionary<string, TaskEvaluation> Tasks => _tasks;

    /// <summary>The sum of the tasks' losses (tasks without labels left out).</summary>
    public double Loss => _tasks.Values.Where(t => t.LabelCount > 0).Sum(t => t.Loss);

    /// <summary>
    /// The task losses averaged with their label counts as weights: the mean loss over every labelled (row, task)
    /// pair, which a large task dominates as it would in one pooled model (0 when nothing is labelled). Recorded as
    /// <c>val_loss_mean</c>.
    /// </summary>
    public double MeanLoss => _tasks.Values.Sum(t => t.LabelCount) is var n and > 0
        ? _tasks.Values.Where(t => t.LabelCount > 0).Sum(t => t.Loss * t.LabelCount) / n
        : 0;

    /// <summary>The evaluation of <paramref name="task"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such task; the message lists the tasks.</exception>
    public TaskEvaluation this[string task] => _tasks.TryGetValue(task, out var t) ? t
        : throw new KeyNotFoundException($"There is no task '{task}'; the tasks are: {string.Join(", ", _tasks.Keys)}.");

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var t in _tasks.Values)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{t.Task}: loss={t.Loss:G6} (n={t.LabelCount})");
            foreach (var (name, v) in t.Metrics) sb.Append(CultureInfo.InvariantCulture, $", {name}={v:G6}");
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
