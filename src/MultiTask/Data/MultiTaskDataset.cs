using MultiTask.Tasks;

namespace MultiTask.Data;

/// <summary>
/// Rows of raw input features (the union of every task's features, see <see cref="FeatureSchema"/>)
/// with per-task targets and label masks. Immutable; splits and subsets are new datasets.
/// </summary>
/// <remarks>
/// <para><b>Tasks from different tables.</b> A dataset is one table of rows over the union schema. A
/// row from a table that lacks a feature has that feature missing (its presence column in the
/// encoded input is 0), and a row belongs to the tasks it has labels for: the label mask of task t is
/// 1 where the row's target cells are all present and 0 where a cell is empty or NaN, where the row's
/// table does not label t (<see cref="TableOptions.Labels"/>) or where the row is routed to another
/// task (<see cref="TableOptions.TaskColumn"/>). One shared backbone thus sees every row, and each
/// head learns only from its labelled rows.</para>
/// <para>Build one with <see cref="FromCsv(string, FeatureSchema, IReadOnlyList{TaskSpec}, CsvOptions?)"/>,
/// <see cref="FromTable"/> or <see cref="FromArrays(FeatureSchema, IReadOnlyList{TaskSpec}, double[,], IReadOnlyList{string}, IReadOnlyDictionary{string, double[]}, TableOptions?)"/>,
/// and combine tables with <see cref="Concat"/>.</para>
/// </remarks>
public sealed partial class MultiTaskDataset
{
    private readonly double[]?[] _numeric;
    private readonly string?[]?[] _categorical;
    private readonly double[][] _targets;
    private readonly float[][] _masks;
    private readonly int[] _labelCounts;
    private readonly TaskSpec[] _tasks;

    internal MultiTaskDataset(FeatureSchema schema, TaskSpec[] tasks, int rowCount,
        double[]?[] numeric, string?[]?[] categorical, double[][] targets)
    {
        Schema = schema;
        _tasks = tasks;
        RowCount = rowCount;
        _numeric = numeric;
        _categorical = categorical;
        _targets = targets;
        _masks = new float[tasks.Length][];
        _labelCounts = new int[tasks.Length];
        for (int t = 0; t < tasks.Length; t++)
        {
            int w = tasks[t].TargetWidth;
            var mask = new float[rowCount];
            for (int r = 0; r < rowCount; r++)
            {
                bool labelled = true;
                for (int j = 0; j < w; j++) labelled &= !double.IsNaN(targets[t][r * w + j]);
                if (labelled) { mask[r] = 1f; _labelCounts[t]++; }
            }
            _masks[t] = mask;
        }
    }

    /// <summary>The input features.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>The tasks, in the order used by every per-task index in this library.</summary>
    public IReadOnlyList<TaskSpec> Tasks => _tasks;

    /// <summary>The number of rows.</summary>
    public int RowCount { get; }

    /// <summary>The number of labelled rows per task name.</summary>
    public IReadOnlyDictionary<string, int> LabelCounts =>
        _tasks.Select((t, i) => (t.Name, _labelCounts[i])).ToDictionary(p => p.Name, p => p.Item2);

    /// <summary>The position of task <paramref name="task"/> in <see cref="Tasks"/>.</summary>
    /// <exception cref="KeyNotFoundException">No task has that name.</exception>
    public int TaskIndex(string task) => IndexOfTask(_tasks, task);

    /// <summary>The number of rows labelled for <paramref name="task"/>.</summary>
    public int LabelCount(string task) => _labelCounts[TaskIndex(task)];

    /// <summary>Whether row <paramref name="row"/> has a label for <paramref name="task"/>.</summary>
    public bool IsLabeled(string task, int row) => _masks[TaskIndex(task)][CheckRow(row)] != 0f;

    /// <summary>The label mask of <paramref name="task"/>: 1 = labelled, 0 = missing, one per row.</summary>
    public IReadOnlyList<float> Mask(string task) => Array.AsReadOnly(_masks[TaskIndex(task)]);

    /// <summary>
    /// The raw targets of <paramref name="task"/>, row-major with <see cref="TaskSpec.TargetWidth"/>
    /// values per row, in user units (class index for multiclass, 0/1 for binary); NaN where unlabelled.
    /// </summary>
    public IReadOnlyList<double> TargetValues(string task) => Array.AsReadOnly(_targets[TaskIndex(task)]);

    /// <summary>The raw values of numeric feature <paramref name="feature"/>; NaN where missing.</summary>
    public IReadOnlyList<double> NumericValues(string feature)
    {
        int f = FeatureIndex(feature);
        return _numeric[f] is { } v
            ? Array.AsReadOnly(v)
            : throw new InvalidOperationException($"Feature '{feature}' is categorical; use CategoricalValues.");
    }

    /// <summary>The raw values of categorical feature <paramref name="feature"/>; null where missing.</summary>
    public IReadOnlyList<string?> CategoricalValues(string feature)
    {
        int f = FeatureIndex(feature);
        return _categorical[f] is { } v
            ? Array.AsReadOnly(v)
            : throw new InvalidOperationException($"Feature '{feature}' is numeric; use NumericValues.");
    }

    /// <summary>
    /// The categorical values not among their feature's categories, with row counts (most frequent
    /// first). They encode as unknown (all-zero one-hot or embedding index 0); warn the user about them.
    /// </summary>
    public IReadOnlyList<UnknownCategory> UnknownCategories()
    {
        var result = new List<UnknownCategory>();
        for (int f = 0; f < Schema.Count; f++)
        {
            if (_categorical[f] is not { } values) continue;
            var known = new HashSet<string>(Schema.Features[f].Categories, StringComparer.Ordinal);
            foreach (var g in values.Where(v => v is not null && !known.Contains(v)).GroupBy(v => v!, StringComparer.Ordinal)
                         .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
                result.Add(new UnknownCategory(Schema.Features[f].Name, g.Key, g.Count()));
        }
        return result;
    }

    /// <summary>A new dataset holding the given rows, in the given order (repeats allowed).</summary>
    /// <param name="rows">Row indices into this dataset.</param>
    public MultiTaskDataset Subset(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (int r in rows) CheckRow(r);
        int n = rows.Count;
        var numeric = new double[]?[Schema.Count];
        var categorical = new string?[]?[Schema.Count];
        for (int f = 0; f < Schema.Count; f++)
        {
            if (_numeric[f] is { } num)
            {
                var v = new double[n];
                for (int i = 0; i < n; i++) v[i] = num[rows[i]];
                numeric[f] = v;
            }
            if (_categorical[f] is { } cat)
            {
                var v = new string?[n];
                for (int i = 0; i < n; i++) v[i] = cat[rows[i]];
                categorical[f] = v;
            }
        }
        var targets = new double[_tasks.Length][];
        for (int t = 0; t < _tasks.Length; t++)
        {
            int w = _tasks[t].TargetWidth;
            var v = new double[n * w];
            for (int i = 0; i < n; i++) Array.Copy(_targets[t], rows[i] * w, v, i * w, w);
            targets[t] = v;
        }
        return new MultiTaskDataset(Schema, _tasks, n, numeric, categorical, targets);
    }

    /// <summary>
    /// Stacks datasets built over the same schema and tasks (e.g. one per table) into one. Typical use:
    /// a houses table labelling task "house" and an apartments table labelling task "apartment".
    /// </summary>
    /// <param name="parts">The datasets, in row order; at least one.</param>
    /// <exception cref="ArgumentException">No parts, or parts with different schemas or tasks.</exception>
    public static MultiTaskDataset Concat(params MultiTaskDataset[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0)
            throw new ArgumentException("Concat needs at least one dataset.", nameof(parts));
        var first = parts[0] ?? throw new ArgumentException("Concat was given a null dataset.", nameof(parts));
        for (int p = 1; p < parts.Length; p++)
        {
            var part = parts[p] ?? throw new ArgumentException("Concat was given a null dataset.", nameof(parts));
            if (!part.Schema.SameAs(first.Schema))
                throw new ArgumentException(
                    $"Dataset {p} has schema {part.Schema} but dataset 0 has {first.Schema}; build every table with the same FeatureSchema.", nameof(parts));
            if (!SameTasks(part._tasks, first._tasks))
                throw new ArgumentException(
                    $"Dataset {p} has tasks ({Describe(part._tasks)}) but dataset 0 has ({Describe(first._tasks)}); build every table with the same task list and use TableOptions.Labels to say which tasks a table labels.",
                    nameof(parts));
        }
        int n = parts.Sum(p => p.RowCount);
        var schema = first.Schema;
        var numeric = new double[]?[schema.Count];
        var categorical = new string?[]?[schema.Count];
        for (int f = 0; f < schema.Count; f++)
        {
            if (schema.Features[f].Kind == FeatureKind.Numeric)
                numeric[f] = parts.SelectMany(p => p._numeric[f]!).ToArray();
            else
                categorical[f] = parts.SelectMany(p => p._categorical[f]!).ToArray();
        }
        var targets = new double[first._tasks.Length][];
        for (int t = 0; t < targets.Length; t++) targets[t] = parts.SelectMany(p => p._targets[t]).ToArray();
        return new MultiTaskDataset(schema, first._tasks, n, numeric, categorical, targets);
    }

    internal float[] MaskArray(int task) => _masks[task];

    internal double[] TargetArray(int task) => _targets[task];

    internal double[]? NumericArray(int feature) => _numeric[feature];

    internal string?[]? CategoricalArray(int feature) => _categorical[feature];

    internal int LabelCountAt(int task) => _labelCounts[task];

    internal static int IndexOfTask(IReadOnlyList<TaskSpec> tasks, string task)
    {
        for (int i = 0; i < tasks.Count; i++)
            if (tasks[i].Name == task) return i;
        throw new KeyNotFoundException($"There is no task '{task}' (tasks: {string.Join(", ", tasks.Select(t => t.Name))}).");
    }

    internal static bool SameTasks(IReadOnlyList<TaskSpec> a, IReadOnlyList<TaskSpec> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && p.First.Kind == p.Second.Kind
            && p.First.TargetWidth == p.Second.TargetWidth && p.First.ClassCount == p.Second.ClassCount);

    private static string Describe(IReadOnlyList<TaskSpec> tasks) => string.Join(", ", tasks.Select(t => $"{t.Name}: {t.Kind}"));

    private int FeatureIndex(string feature) => Schema.IndexOf(feature) is var f and >= 0
        ? f
        : throw new KeyNotFoundException($"There is no feature '{feature}' (features: {string.Join(", ", Schema.Names)}).");

    private int CheckRow(int row) => (uint)row < (uint)RowCount
        ? row
        : throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is out of range; the dataset has {RowCount} rows.");
}
