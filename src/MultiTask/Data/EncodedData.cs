using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Data;

/// <summary>
/// A dataset encoded by a <see cref="FeatureEncoder"/>: the input matrix [N, F], per-task targets
/// [N, TargetWidth] and per-task label masks [N] (1 = labelled). Unlabelled target entries hold 0.
/// Feed it to a <see cref="DataLoader"/> or take rows with <see cref="GetBatch"/>.
/// </summary>
public sealed class EncodedData
{
    private readonly float[] _x;
    private readonly float[][] _targets;
    private readonly float[][] _masks;
    private readonly int[] _labelCounts;
    private Tensor? _features;

    internal EncodedData(FeatureEncoder encoder, int rowCount, float[] x, float[][] targets, float[][] masks,
        IReadOnlyDictionary<string, int> unknown, string[]? groups = null)
    {
        Groups = groups;
        Encoder = encoder;
        RowCount = rowCount;
        _x = x;
        _targets = targets;
        _masks = masks;
        _labelCounts = masks.Select(m => m.Count(v => v != 0f)).ToArray();
        UnknownCategoryCounts = unknown;
    }

    /// <summary>The encoder that produced this data (column layout, statistics, inverse targets).</summary>
    public FeatureEncoder Encoder { get; }

    /// <summary>The number of rows N.</summary>
    public int RowCount { get; }

    /// <summary>The number of input columns F.</summary>
    public int Width => Encoder.Width;

    /// <summary>The tasks, in order.</summary>
    public IReadOnlyList<TaskSpec> Tasks => Encoder.Tasks;

    /// <summary>The input column names (see <see cref="FeatureEncoder.Columns"/>).</summary>
    public IReadOnlyList<string> ColumnNames => Encoder.ColumnNames;

    /// <summary>Per categorical feature, how many rows held a value not among its categories (features without any are absent).</summary>
    public IReadOnlyDictionary<string, int> UnknownCategoryCounts { get; }

    /// <summary>
    /// The group of every row (e.g. a region or a protected attribute), for training that treats groups alike
    /// (<see cref="Training.GroupDro"/>); null unless set with <see cref="WithGroups"/>. Kept by the trainer's validation split.
    /// </summary>
    public IReadOnlyList<string>? Groups { get; }

    /// <summary>The same rows with a group per row; the inputs, targets and masks are shared, not copied.</summary>
    /// <param name="groups">The group of each row, in row order; null for a missing value (its own group, <c>"(missing)"</c>).</param>
    /// <returns>The data with <see cref="Groups"/> set.</returns>
    /// <exception cref="ArgumentException"><paramref name="groups"/> does not have one value per row.</exception>
    /// <example><c>var train = encoder.Transform(data).WithGroups(data.CategoricalValues("zone"));</c></example>
    public EncodedData WithGroups(IReadOnlyList<string?> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count != RowCount)
            throw new ArgumentException($"groups has {groups.Count} values but the data has {RowCount} rows; give one group per row.", nameof(groups));
        return new EncodedData(Encoder, RowCount, _x, _targets, _masks, UnknownCategoryCounts, [.. groups.Select(g => g ?? MissingGroup)]);
    }

    internal float[] InputArray => _x;

    internal float[] TargetArray(int task) => _targets[task];

    internal float[] MaskArray(int task) => _masks[task];

    /// <summary>The group of a row whose group value is missing.</summary>
    public const string MissingGroup = "(missing)";

    /// <summary>The whole input matrix [N, F] (created once; treat as read-only).</summary>
    public Tensor Features => Volatile.Read(ref _features) ?? CreateFeatures();

    // Threads predicting from one data set at the same time may both get here; all of them must see the one
    // tensor that is kept, as a plain ??= could hand each its own copy.
    private Tensor CreateFeatures()
    {
        var created = Tensor.FromArray(_x, RowCount, Width);
        return Interlocked.CompareExchange(ref _features, created, null) ?? created;
    }

    /// <summary>The position of task <paramref name="task"/>.</summary>
    public int TaskIndex(string task) => MultiTaskDataset.IndexOfTask(Tasks, task);

    /// <summary>The targets of task <paramref name="task"/> as a new tensor [N, TargetWidth].</summary>
    public Tensor Targets(int task) => Tensor.FromArray(_targets[CheckTask(task)], RowCount, Tasks[task].TargetWidth);

    /// <summary>The targets of the named task as a new tensor [N, TargetWidth].</summary>
    public Tensor Targets(string task) => Targets(TaskIndex(task));

    /// <summary>The label mask of task <paramref name="task"/> as a new tensor [N].</summary>
    public Tensor Mask(int task) => Tensor.FromArray(_masks[CheckTask(task)], RowCount);

    /// <summary>The label mask of the named task as a new tensor [N].</summary>
    public Tensor Mask(string task) => Mask(TaskIndex(task));

    /// <summary>The number of rows labelled for task <paramref name="task"/>.</summary>
    public int LabelCount(int task) => _labelCounts[CheckTask(task)];

    /// <summary>The number of rows labelled for the named task.</summary>
    public int LabelCount(string task) => LabelCount(TaskIndex(task));

    /// <summary>The rows labelled for task <paramref name="task"/>, ascending.</summary>
    public IReadOnlyList<int> LabeledRows(int task)
    {
        var mask = _masks[CheckTask(task)];
        var rows = new List<int>(_labelCounts[task]);
        for (int r = 0; r < mask.Length; r++) if (mask[r] != 0f) rows.Add(r);
        return rows;
    }

    /// <summary>
    /// Copies the given rows into a <see cref="Batch"/>. With <paramref name="onlyTask"/>, every other
    /// task's mask is 0 in the batch (a per-task batch).
    /// </summary>
    /// <param name="rows">Row indices, each in [0, N).</param>
    /// <param name="onlyTask">The task a per-task batch is for, or null for a joint batch.</param>
    public Batch GetBatch(IReadOnlyList<int> rows, int? onlyTask = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (onlyTask is int only) CheckTask(only);
        int b = rows.Count, width = Width;
        var x = new float[b * width];
        for (int i = 0; i < b; i++)
        {
            int r = rows[i];
            if ((uint)r >= (uint)RowCount)
                throw new ArgumentOutOfRangeException(nameof(rows), $"Row {r} is out of range; the data has {RowCount} rows.");
            Array.Copy(_x, r * width, x, i * width, width);
        }
        var targets = new Tensor[Tasks.Count];
        var masks = new Tensor[Tasks.Count];
        var counts = new int[Tasks.Count];
        for (int t = 0; t < Tasks.Count; t++)
        {
            int w = Tasks[t].TargetWidth;
            var y = new float[b * w];
            var m = new float[b];
            if (onlyTask is null || onlyTask == t)
            {
                for (int i = 0; i < b; i++)
                {
                    int r = rows[i];
                    m[i] = _masks[t][r];
                    if (m[i] != 0f)
                    {
                        counts[t]++;
                        Array.Copy(_targets[t], r * w, y, i * w, w);
                    }
                }
            }
            targets[t] = Tensor.FromArray(y, b, w);
            masks[t] = Tensor.FromArray(m, b);
        }
        return new Batch(Tasks, Tensor.FromArray(x, b, width), targets, masks, counts, rows.ToArray(),
            onlyTask is int o ? Tasks[o] : null);
    }

    private int CheckTask(int task) => (uint)task < (uint)Tasks.Count
        ? task
        : throw new ArgumentOutOfRangeException(nameof(task), $"Task index {task} is out of range; there are {Tasks.Count} tasks.");
}
