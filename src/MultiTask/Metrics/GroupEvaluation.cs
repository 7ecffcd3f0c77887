using System.Globalization;
using System.Text;
using MultiTask.Data;
using MultiTask.Training;

namespace MultiTask.Metrics;

/// <summary>
/// Every task's metrics within each group of rows (e.g. the values of a protected attribute), the gap between the best and
/// the worst group and which group is worst: how evenly a model serves the groups, task by task.
/// </summary>
/// <remarks>
/// The model is evaluated on each group's rows separately through the caller's evaluation function, so the same code serves
/// a trainer (<c>d =&gt; trainer.Evaluate(encoder.Transform(d))</c>), an ensemble or a <see cref="Recipes.TabularModel"/>
/// (<c>model.Evaluate</c>). A group without labels for a task has no metrics for it and is left out of that task's gap.
/// </remarks>
public sealed class GroupEvaluation
{
    private GroupEvaluation(string name, IReadOnlyDictionary<string, EvaluationResult> groups)
    {
        Name = name;
        Groups = groups;
    }

    /// <summary>What the groups are, e.g. the column they come from.</summary>
    public string Name { get; }

    /// <summary>The evaluation of each group's rows, by group (missing values form the group <c>"(missing)"</c>).</summary>
    public IReadOnlyDictionary<string, EvaluationResult> Groups { get; }

    /// <summary>Evaluates <paramref name="data"/> per value of its categorical feature <paramref name="feature"/>.</summary>
    /// <param name="data">Labelled rows.</param>
    /// <param name="feature">A categorical feature of the schema whose values form the groups.</param>
    /// <param name="evaluate">Evaluates the model on a subset of <paramref name="data"/>.</param>
    /// <exception cref="ArgumentException">Not a categorical feature of the schema.</exception>
    public static GroupEvaluation Evaluate(MultiTaskDataset data, string feature, Func<MultiTaskDataset, EvaluationResult> evaluate)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!data.Schema.Contains(feature) || data.Schema[feature].Kind != FeatureKind.Categorical)
            throw new ArgumentException(
                $"'{feature}' is not a categorical feature of the schema; pass the group of every row instead (the overload taking a list).", nameof(feature));
        return Evaluate(data, data.CategoricalValues(feature), evaluate, feature);
    }

    /// <summary>Evaluates <paramref name="data"/> per group, given each row's group (e.g. a protected attribute the model does not read).</summary>
    /// <param name="data">Labelled rows.</param>
    /// <param name="groups">The group of each row of <paramref name="data"/>; null for a missing value.</param>
    /// <param name="evaluate">Evaluates the model on a subset of <paramref name="data"/>.</param>
    /// <param name="name">What the groups are, for reports.</param>
    /// <exception cref="ArgumentException"><paramref name="groups"/> does not have one value per row.</exception>
    public static GroupEvaluation Evaluate(MultiTaskDataset data, IReadOnlyList<string?> groups, Func<MultiTaskDataset, EvaluationResult> evaluate,
        string name = "group")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(evaluate);
        if (groups.Count != data.RowCount)
            throw new ArgumentException($"groups has {groups.Count} values but the data has {data.RowCount} rows; give one group per row.", nameof(groups));
        var rows = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        for (int r = 0; r < groups.Count; r++)
        {
            string key = groups[r] ?? EncodedData.MissingGroup;
            if (!rows.TryGetValue(key, out var list)) rows[key] = list = [];
            list.Add(r);
        }
        return new GroupEvaluation(name, rows.ToDictionary(g => g.Key, g => evaluate(data.Subset(g.Value)), StringComparer.Ordinal));
    }

    /// <summary>The groups with labels for <paramref name="task"/> and their value of <paramref name="metric"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such task or metric.</exception>
    public IReadOnlyDictionary<string, double> Values(string task, string metric) =>
        Groups.Where(g => g.Value[task].LabelCount > 0).ToDictionary(g => g.Key, g => g.Value[task][metric], StringComparer.Ordinal);

    /// <summary>The best group's <paramref name="metric"/> minus the worst group's, as a non-negative distance; 0 with fewer than two labelled groups.</summary>
    /// <exception cref="KeyNotFoundException">No such task or metric.</exception>
    public double Gap(string task, string metric)
    {
        var values = Values(task, metric).Values.ToArray();
        return values.Length < 2 ? 0 : values.Max() - values.Min();
    }

    /// <summary>The group where <paramref name="task"/> fares worst on <paramref name="metric"/> (by the metric's direction), or null without labelled groups.</summary>
    /// <exception cref="KeyNotFoundException">No such task or metric.</exception>
    public string? WorstGroup(string task, string metric)
    {
        var values = Values(task, metric);
        if (values.Count == 0) return null;
        var direction = Groups.Values.First(g => g[task].LabelCount > 0)[task].Directions[metric];
        var ordered = values.OrderBy(v => v.Value);
        return (direction == MetricDirection.LowerIsBetter ? ordered.Last() : ordered.First()).Key;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        var tasks = Groups.Values.SelectMany(g => g.Tasks.Keys).Distinct().ToArray();
        foreach (var task in tasks)
        {
            var metrics = Groups.Values.Where(g => g[task].LabelCount > 0).SelectMany(g => g[task].Metrics.Keys).Distinct().ToArray();
            foreach (var metric in metrics)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{task}.{metric} by {Name}:");
                foreach (var (group, value) in Values(task, metric)) sb.Append(CultureInfo.InvariantCulture, $" {group}={value:G5}");
                sb.AppendLine(CultureInfo.InvariantCulture, $"; gap {Gap(task, metric):G5}, worst {WorstGroup(task, metric)}");
            }
        }
        return sb.ToString();
    }
}
