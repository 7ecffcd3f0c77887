using System.Globalization;
using System.Text;

namespace MultiTask.Baselines.Trees;

/// <summary>The per-task metrics of a <see cref="GradientBoostedTrees"/> baseline on some data.</summary>
public sealed class TreeEvaluation
{
    private readonly OrderedDictionary<string, TreeTaskEvaluation> _tasks;

    internal TreeEvaluation(OrderedDictionary<string, TreeTaskEvaluation> tasks) => _tasks = tasks;

    /// <summary>Each fitted task's evaluation, in the order the tasks were fitted.</summary>
    public IReadOnlyDictionary<string, TreeTaskEvaluation> Tasks => _tasks;

    /// <summary>The evaluation of <paramref name="task"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such task; the message lists the tasks.</exception>
    public TreeTaskEvaluation this[string task] => _tasks.TryGetValue(task, out var t) ? t
        : throw new KeyNotFoundException($"There is no task '{task}' in this evaluation; the tasks are: {string.Join(", ", _tasks.Keys)}.");

    /// <summary>One line per task: its label count and metrics.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var t in _tasks.Values)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{t.Task}: n={t.LabelCount}");
            foreach (var (name, v) in t.Metrics) sb.Append(CultureInfo.InvariantCulture, $", {name}={v:G6}");
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
