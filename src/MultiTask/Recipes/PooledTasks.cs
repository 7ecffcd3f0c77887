using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Recipes;

/// <summary>
/// Turns tasks that predict the same quantity into one task (<see cref="TaskSharing.Pooled"/>): a row per labelled
/// (row, task) pair, with the task as a one-hot categorical feature and the task's label as the one target.
/// </summary>
internal sealed class PooledTasks
{
    private readonly string[] _tasks;
    private readonly FeatureSchema _schema;
    private readonly TaskSpec _spec;
    private readonly string _indicator;

    private PooledTasks(string[] tasks, FeatureSchema schema, TaskSpec spec, string indicator)
    {
        _tasks = tasks;
        _schema = schema;
        _spec = spec;
        _indicator = indicator;
    }

    /// <summary>The pooled tasks, in order.</summary>
    public IReadOnlyList<string> Tasks => _tasks;

    /// <summary>The name of the one pooled task (the tasks' target group).</summary>
    public string Name => _spec.Name;

    /// <summary>The schema of the stacked rows: the data's features and the task indicator.</summary>
    public FeatureSchema Schema => _schema;

    /// <summary>The one pooled task.</summary>
    public TaskSpec Spec => _spec;

    /// <summary>Why <paramref name="tasks"/> of <paramref name="data"/> cannot be pooled, or null when they can.</summary>
    public static string? Unsuitable(MultiTaskDataset data, IReadOnlyList<string> tasks) => Unsuitable(data.Tasks, tasks);

    /// <summary>Why <paramref name="tasks"/>, among <paramref name="all"/>, cannot be pooled, or null when they can.</summary>
    private static string? Unsuitable(IReadOnlyList<TaskSpec> all, IReadOnlyList<string> tasks)
    {
        if (tasks.Count < 2) return $"pooling needs at least two tasks, got {tasks.Count}";
        if (tasks.Distinct(StringComparer.Ordinal).Count() != tasks.Count) return "a task is listed twice";
        var specs = tasks.Select(t => all[MultiTaskDataset.IndexOfTask(all, t)]).ToArray();
        var first = specs[0];
        foreach (var spec in specs)
        {
            if (spec.Kind != TaskKind.Regression || spec.Targets.Count != 1)
                return $"task '{spec.Name}' is not a one-target regression task";
            if (spec.TargetGroup is null || spec.TargetGroup != first.TargetGroup)
                return $"task '{spec.Name}' does not share the TargetGroup of '{first.Name}' (pooled tasks must predict one quantity: give them one TargetGroup)";
            if (spec.TargetTransform != first.TargetTransform || spec.StandardizeTarget != first.StandardizeTarget)
                return $"task '{spec.Name}' transforms its target otherwise than '{first.Name}'";
            if (!spec.Features.OrderBy(f => f, StringComparer.Ordinal).SequenceEqual(first.Features.OrderBy(f => f, StringComparer.Ordinal)))
                return $"task '{spec.Name}' reads other features than '{first.Name}'";
        }
        return null;
    }

    /// <summary>The pooling of <paramref name="tasks"/>.</summary>
    /// <exception cref="ArgumentException">The tasks cannot be pooled; the message says why.</exception>
    public static PooledTasks Create(MultiTaskDataset data, IReadOnlyList<string> tasks) => Create(data.Schema, data.Tasks, tasks);

    /// <summary>
    /// The pooling of <paramref name="tasks"/> for data over <paramref name="schema"/> and <paramref name="all"/>; the same
    /// schema, tasks and list always give the same pooling (a saved model rebuilds it this way).
    /// </summary>
    /// <exception cref="ArgumentException">The tasks cannot be pooled; the message says why.</exception>
    /// <exception cref="KeyNotFoundException">A task is not among <paramref name="all"/>.</exception>
    public static PooledTasks Create(FeatureSchema schema, IReadOnlyList<TaskSpec> all, IReadOnlyList<string> tasks)
    {
        if (Unsuitable(all, tasks) is { } reason)
            throw new ArgumentException($"TaskSharing.Pooled cannot pool the tasks {string.Join(", ", tasks.Select(t => $"'{t}'"))}: {reason}.", nameof(tasks));
        var first = all[MultiTaskDataset.IndexOfTask(all, tasks[0])];
        string indicator = Unique("task", schema.Names);
        var pooledSchema = schema.Categorical(indicator, [.. tasks]);
        var spec = TaskSpec.Regression(first.TargetGroup!, [.. first.Features, indicator], target: Unique("target", [.. pooledSchema.Names])) with
        {
            TargetTransform = first.TargetTransform,
            StandardizeTarget = first.StandardizeTarget,
        };
        return new PooledTasks([.. tasks], pooledSchema, spec, indicator);
    }

    /// <summary>A row per labelled (row, task) pair of <paramref name="data"/>: the training rows of the pooled task.</summary>
    public MultiTaskDataset Stack(MultiTaskDataset data) =>
        Build(data, [.. Enumerable.Range(0, _tasks.Length).SelectMany(t => Enumerable.Range(0, data.RowCount).Where(r => data.IsLabeled(_tasks[t], r)).Select(r => (r, t)))]);

    /// <summary>Every row of <paramref name="data"/> as a row of <paramref name="task"/> (labelled where <paramref name="task"/> is).</summary>
    public MultiTaskDataset ForTask(MultiTaskDataset data, string task) =>
        Build(data, [.. Enumerable.Range(0, data.RowCount).Select(r => (r, Array.IndexOf(_tasks, task)))]);

    private MultiTaskDataset Build(MultiTaskDataset data, (int Row, int Task)[] pairs)
    {
        var table = new Table(Name);
        foreach (var feature in data.Schema.Features)
        {
            if (feature.Kind == FeatureKind.Numeric)
            {
                var values = data.NumericValues(feature.Name);
                table.Add(feature.Name, pairs.Select(p => values[p.Row]).ToArray());
            }
            else
            {
                var values = data.CategoricalValues(feature.Name);
                table.Add(feature.Name, pairs.Select(p => values[p.Row]).ToArray());
            }
        }
        table.Add(_indicator, pairs.Select(p => (string?)_tasks[p.Task]).ToArray());
        var target = pairs.Select(p => data.IsLabeled(_tasks[p.Task], p.Row) ? data.TargetValues(_tasks[p.Task])[p.Row] : double.NaN).ToArray();
        table.Add(_spec.Target, target);
        // Rows to predict may carry no label of the task at all (e.g. a test set of another task's rows).
        return MultiTaskDataset.FromTable(_schema, [_spec], table,
            new TableOptions { KeepUnlabeledRows = true, Labels = target.Any(double.IsFinite) ? null : [] });
    }

    private static string Unique(string name, IReadOnlyCollection<string> taken)
    {
        while (taken.Contains(name)) name += "_";
        return name;
    }
}
