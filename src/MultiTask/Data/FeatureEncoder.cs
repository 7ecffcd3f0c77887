using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Data;

/// <summary>
/// Turns datasets into float32 matrices for a model. Fitted on the <b>training</b> split only, so no
/// statistic of validation or test rows leaks into training.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> The encoded input has, for each schema feature in order, its value block
/// (numeric: 1 scaled column, or T piecewise-linear bin columns; one-hot: k columns; embedding: 1
/// index column), immediately
/// followed by its presence column when it has one (<see cref="Blocks"/>, <see cref="Columns"/>).</para>
/// <para><b>Which features get a presence column.</b> Exactly those that (a) are not listed in the
/// <see cref="TaskSpec.Features"/> of every task — so they are missing for rows from tables that
/// lack them — or (b) have at least one missing value in the training data. A feature every task
/// uses and that is never missing in training has no presence column (a missing value in later data
/// then simply encodes as 0 in every value column, for a standardised feature the training mean).</para>
/// <para><b>Union schema with presence masks.</b> One shared backbone sees every row over the same
/// columns; the presence flags let it tell "missing" from "equal to the mean". An architecture that
/// wants per-task input encoders instead can slice each task's own columns with
/// <see cref="TaskColumns(string)"/>.</para>
/// <para><b>Targets.</b> A regression task's target goes through its <see cref="TaskSpec.TargetTransform"/>:
/// by default it is standardised with the mean and population standard deviation of its labelled
/// training rows; a log or Yeo-Johnson step may come first, and tasks of one
/// <see cref="TaskSpec.TargetGroup"/> share statistics fitted on their pooled labels (see
/// <see cref="GetTargetTransform"/>). A task without training labels gets identity statistics. Use
/// <see cref="InverseTarget(string, float[])"/> to report predictions in user units. Other kinds
/// are stored as-is (binary 0/1, multiclass class index, multilabel 0/1, custom raw). Unlabelled
/// entries hold 0, never NaN, and have mask 0.</para>
/// </remarks>
public sealed partial class FeatureEncoder
{
    private readonly FittedNumeric?[] _numerics;
    private readonly FittedTargetTransform?[] _targetTransforms;
    private readonly FeatureBlock[] _blocks;
    private readonly EncodedColumn[] _columns;
    private readonly TaskSpec[] _tasks;
    private readonly Dictionary<string, int>[] _categoryIndex;

    internal FeatureEncoder(FeatureSchema schema, TaskSpec[] tasks, FittedNumeric?[] numerics, bool[] hasMissing, FittedTargetTransform?[] targetTransforms)
    {
        Schema = schema;
        _tasks = tasks;
        _numerics = numerics;
        _targetTransforms = targetTransforms;
        int featureCount = Schema.Count;
        _categoryIndex = new Dictionary<string, int>[featureCount];
        _blocks = new FeatureBlock[featureCount];
        var columns = new List<EncodedColumn>();
        for (int f = 0; f < featureCount; f++)
        {
            var spec = Schema.Features[f];
            _categoryIndex[f] = spec.Kind == FeatureKind.Numeric
                ? []
                : spec.Categories.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
            bool usedByAll = Array.TrueForAll(_tasks, t => t.Features.Contains(spec.Name));
            int start = columns.Count;
            if (numerics[f] is { Options.Encoding: NumericEncoding.PiecewiseLinear } ple)
                for (int b = 0; b < ple.Width; b++)
                    columns.Add(new EncodedColumn($"{spec.Name}:ple{b}", spec.Name, EncodedColumnKind.PiecewiseLinear));
            else if (spec.Kind == FeatureKind.Numeric)
                columns.Add(new EncodedColumn(spec.Name, spec.Name, EncodedColumnKind.Numeric));
            else if (spec.Encoding == CategoricalEncoding.OneHot)
                foreach (var c in spec.Categories)
                    columns.Add(new EncodedColumn($"{spec.Name}={c}", spec.Name, EncodedColumnKind.OneHot, c));
            else
                columns.Add(new EncodedColumn($"{spec.Name}:index", spec.Name, EncodedColumnKind.EmbeddingIndex));
            int presence = -1;
            if (!usedByAll || hasMissing[f])
            {
                presence = columns.Count;
                columns.Add(new EncodedColumn($"{spec.Name}:present", spec.Name, EncodedColumnKind.Presence));
            }
            _blocks[f] = new FeatureBlock(spec, start, numerics[f]?.Width ?? spec.EncodedWidth, presence);
        }
        _columns = [.. columns];
    }

    private static FeatureEncoder FitCore(MultiTaskDataset train)
    {
        var schema = train.Schema;
        TaskSpec[] tasks = [.. train.Tasks];
        var numerics = new FittedNumeric?[schema.Count];
        var hasMissing = new bool[schema.Count];
        for (int f = 0; f < schema.Count; f++)
        {
            var spec = schema.Features[f];
            if (spec.Kind == FeatureKind.Numeric)
            {
                var values = train.NumericArray(f)!;
                hasMissing[f] = Array.Exists(values, double.IsNaN);
                if (hasMissing[f] && Array.TrueForAll(values, double.IsNaN))
                    throw new InvalidOperationException(
                        $"Numeric feature '{spec.Name}' has no values in the training data, so it cannot be standardised; check its column name (TableOptions.ColumnMap) or remove it from the schema.");
                numerics[f] = FittedNumeric.Fit(spec.Name, spec.NumericOptions!, values);
            }
            else
            {
                hasMissing[f] = Array.Exists(train.CategoricalArray(f)!, v => v is null);
            }
        }
        return new FeatureEncoder(schema, tasks, numerics, hasMissing, FitTargets(train, tasks));
    }

    private static FittedTargetTransform?[] FitTargets(MultiTaskDataset train, TaskSpec[] tasks)
    {
        var result = new FittedTargetTransform?[tasks.Length];
        for (int t = 0; t < tasks.Length; t++)
        {
            var spec = tasks[t];
            if (spec.Kind != TaskKind.Regression || result[t] is not null) continue;
            if (spec.TargetTransform == TargetTransform.None)
            {
                result[t] = new FittedTargetTransform(TargetTransform.None, double.NaN, null, null);
                continue;
            }
            // A group's tasks predict the same quantity, so one transform fitted on their pooled labels
            // serves them all. A task (or group) without training labels, e.g. a single-task baseline
            // fitted on one table of a two-table dataset, gets identity statistics; the trainer refuses
            // to train it.
            int[] members = spec.TargetGroup is { } group
                ? [.. Enumerable.Range(0, tasks.Length).Where(i => tasks[i].Kind == TaskKind.Regression && tasks[i].TargetGroup == group)]
                : [t];
            var labels = new List<double>();
            foreach (int m in members)
            {
                var raw = train.TargetArray(m);
                var mask = train.MaskArray(m);
                for (int r = 0; r < raw.Length; r++)
                {
                    if (mask[r] == 0f) continue;
                    if (spec.TargetTransform == TargetTransform.Log && !(raw[r] > 0))
                        throw NonPositiveLabel(tasks[m].Name, r, raw[r], "training");
                    labels.Add(raw[r]);
                }
            }
            double lambda = spec.TargetTransform == TargetTransform.YeoJohnson ? FittedTargetTransform.FitYeoJohnsonLambda(labels) : double.NaN;
            var unscaled = new FittedTargetTransform(spec.TargetTransform, lambda, null, spec.TargetGroup);
            var standardization = Standardization.Fit(labels.Select(unscaled.Apply).ToArray());
            foreach (int m in members)
                result[m] = new FittedTargetTransform(spec.TargetTransform, lambda, standardization, spec.TargetGroup);
        }
        return result;
    }

    private static ArgumentException Unencodable(string feature, NumericEncoding encoding, int row, double value) => new(
        $"Numeric feature '{feature}', data row {row}: value {value} lies so far from the training values that its {encoding} encoding exceeds the float32 range of the encoded inputs. " +
        "Fix the value, or use NumericOptions.Log or NumericEncoding.Quantile for a feature with extreme outliers.",
        "data");

    private static ArgumentException NonPositiveLabel(string task, int row, double value, string split) => new(
        $"Task '{task}' uses TargetTransform.Log but its label in {split} row {row} is {value}; the log needs positive labels. Fix the label, or use TargetTransform.YeoJohnson, which accepts any real number.",
        "data");

    /// <summary>Fits feature and target statistics on <paramref name="train"/> (the training split only).</summary>
    /// <param name="train">The training data.</param>
    /// <exception cref="ArgumentException">The dataset is empty.</exception>
    /// <exception cref="InvalidOperationException">A numeric feature has no training values.</exception>
    /// <exception cref="ArgumentException">A task with <see cref="TargetTransform.Log"/> has a non-positive training label, or a numeric feature with a log step a negative value.</exception>
    public static FeatureEncoder Fit(MultiTaskDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.RowCount == 0)
            throw new ArgumentException("Cannot fit a FeatureEncoder on an empty dataset; pass the training split.", nameof(train));
        return FitCore(train);
    }

    /// <summary>The schema this encoder was fitted for.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>The tasks this encoder was fitted for.</summary>
    public IReadOnlyList<TaskSpec> Tasks => _tasks;

    /// <summary>The number of encoded input columns F.</summary>
    public int Width => _columns.Length;

    /// <summary>Every encoded input column, in order.</summary>
    public IReadOnlyList<EncodedColumn> Columns => _columns;

    /// <summary>The encoded column names, in order (see <see cref="EncodedColumn.Name"/>).</summary>
    public IReadOnlyList<string> ColumnNames => _columns.Select(c => c.Name).ToArray();

    /// <summary>Where each schema feature sits in the encoded input, in schema order.</summary>
    public IReadOnlyList<FeatureBlock> Blocks => _blocks;

    /// <summary>Where feature <paramref name="feature"/> sits in the encoded input.</summary>
    public FeatureBlock Block(string feature) => _blocks[FeatureIndex(feature)];

    /// <summary>
    /// The encoded columns (value and presence columns, ascending) of the features task
    /// <paramref name="task"/> declares, for an architecture that builds per-task input encoders.
    /// </summary>
    public IReadOnlyList<int> TaskColumns(string task)
    {
        var spec = _tasks[MultiTaskDataset.IndexOfTask(_tasks, task)];
        return spec.Features.SelectMany(f => _blocks[FeatureIndex(f)].Columns).Order().ToArray();
    }

    /// <summary>
    /// The centre and scale fitted for numeric feature <paramref name="feature"/>: mean and standard
    /// deviation (<see cref="NumericEncoding.Standard"/>) or median and IQR (<see cref="NumericEncoding.Robust"/>),
    /// after the log step if any.
    /// </summary>
    /// <exception cref="InvalidOperationException">The feature is categorical, quantile or piecewise-linear encoded.</exception>
    public Standardization FeatureStatistics(string feature)
    {
        int f = FeatureIndex(feature);
        return _numerics[f] switch
        {
            null => throw new InvalidOperationException($"Feature '{feature}' is categorical and has no standardisation."),
            { Options.Encoding: NumericEncoding.Standard or NumericEncoding.Robust } n => n.Scaling,
            var n => throw new InvalidOperationException(
                $"Feature '{feature}' is {n.Options.Encoding} encoded and has no centre and scale{(n.Options.Encoding == NumericEncoding.PiecewiseLinear ? "; see BinEdges" : "")}."),
        };
    }

    /// <summary>
    /// The bin edges of piecewise-linear feature <paramref name="feature"/>: distinct training quantiles,
    /// ascending (after the log step if any); bin t spans edges t..t+1.
    /// </summary>
    /// <exception cref="InvalidOperationException">The feature is not piecewise-linear encoded.</exception>
    public IReadOnlyList<double> BinEdges(string feature) => _numerics[FeatureIndex(feature)]?.Edges is { } edges
        ? Array.AsReadOnly(edges)
        : throw new InvalidOperationException($"Feature '{feature}' is not piecewise-linear encoded, so it has no bin edges.");

    /// <summary>
    /// The target standardisation of <paramref name="task"/>, or null when its target is not
    /// standardised. For a log or Yeo-Johnson target it describes only the standardisation step, which
    /// follows that step; <see cref="GetTargetTransform"/> gives the whole transform.
    /// </summary>
    public Standardization? TargetStatistics(string task) => GetTargetTransform(task)?.Standardization;

    /// <summary>The fitted target transform of regression task <paramref name="task"/>; null for other kinds.</summary>
    public FittedTargetTransform? GetTargetTransform(string task) => _targetTransforms[MultiTaskDataset.IndexOfTask(_tasks, task)];

    /// <summary>Maps predictions (or encoded targets) of <paramref name="task"/> back to user units through the full inverse transform; a copy when the target is not transformed.</summary>
    /// <param name="task">The task name.</param>
    /// <param name="values">Values in encoded units.</param>
    public float[] InverseTarget(string task, float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = (float[])values.Clone();
        if (GetTargetTransform(task) is { } transform)
            for (int i = 0; i < result.Length; i++) result[i] = (float)transform.Invert(result[i]);
        return result;
    }

    /// <summary>Maps one prediction of <paramref name="task"/> back to user units.</summary>
    public double InverseTarget(string task, double value) => GetTargetTransform(task) is { } transform ? transform.Invert(value) : value;

    /// <summary>Maps a prediction tensor of <paramref name="task"/> back to user units (a new tensor of the same shape, no gradient).</summary>
    public Tensor InverseTarget(string task, Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Tensor.FromArray(InverseTarget(task, values.ToArray()), [.. values.Shape]);
    }

    /// <summary>
    /// Encodes <paramref name="data"/> (any split) with the statistics fitted on the training data.
    /// </summary>
    /// <param name="data">A dataset over the same schema and tasks.</param>
    /// <exception cref="ArgumentException">The dataset has a different schema or tasks, a non-positive label for a task with <see cref="TargetTransform.Log"/>, or a numeric value whose encoding exceeds the float32 range.</exception>
    public EncodedData Transform(MultiTaskDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!data.Schema.SameAs(Schema))
            throw new ArgumentException(
                $"The dataset's schema {data.Schema} differs from the encoder's {Schema}; fit and transform data built with the same FeatureSchema.", nameof(data));
        if (!MultiTaskDataset.SameTasks(data.Tasks, _tasks))
            throw new ArgumentException(
                $"The dataset's tasks ({string.Join(", ", data.Tasks.Select(t => t.Name))}) differ from the encoder's ({string.Join(", ", _tasks.Select(t => t.Name))}); use the same task list.",
                nameof(data));
        int n = data.RowCount, width = Width;
        var x = new float[n * width];
        var unknown = new Dictionary<string, int>(StringComparer.Ordinal);
        var unknownCounts = new int[Schema.Count];
        var numericValues = Enumerable.Range(0, Schema.Count).Select(f => data.NumericArray(f)).ToArray();
        var categoryValues = Enumerable.Range(0, Schema.Count).Select(f => data.CategoricalArray(f)).ToArray();
        // Row by row, so that each row's columns are written while they are in cache: feature by feature would sweep
        // the whole matrix once per feature.
        for (int r = 0; r < n; r++)
        {
            var row = x.AsSpan(r * width, width);
            for (int f = 0; f < Schema.Count; f++)
            {
                var block = _blocks[f];
                var spec = block.Feature;
                if (numericValues[f] is { } values)
                {
                    var numeric = _numerics[f]!;
                    double v = values[r];
                    bool present = !double.IsNaN(v);
                    if (present)
                    {
                        var encoded = row.Slice(block.Start, block.Width);
                        numeric.Encode(FittedNumeric.Prepare(spec.Name, numeric.Options, v, r, "data"), encoded);
                        // Scaling by robust or tiny training statistics can map a finite outlier beyond float32.
                        foreach (float e in encoded)
                            if (!float.IsFinite(e)) throw Unencodable(spec.Name, numeric.Options.Encoding, r, v);
                    }
                    if (block.HasPresence) row[block.PresenceColumn] = present ? 1f : 0f;
                    continue;
                }
                string? category = categoryValues[f]![r];
                if (block.HasPresence) row[block.PresenceColumn] = category is null ? 0f : 1f;
                if (category is null) continue;
                if (!_categoryIndex[f].TryGetValue(category, out int c))
                {
                    unknownCounts[f]++;
                    continue;
                }
                if (spec.Encoding == CategoricalEncoding.OneHot) row[block.Start + c] = 1f;
                else row[block.Start] = c + 1;
            }
        }
        for (int f = 0; f < Schema.Count; f++)
            if (unknownCounts[f] > 0) unknown[_blocks[f].Feature.Name] = unknownCounts[f];
        var targets = new float[_tasks.Length][];
        var masks = new float[_tasks.Length][];
        for (int t = 0; t < _tasks.Length; t++)
        {
            var raw = data.TargetArray(t);
            var mask = data.MaskArray(t);
            int w = _tasks[t].TargetWidth;
            var y = new float[n * w];
            var transform = _targetTransforms[t];
            for (int r = 0; r < n; r++)
            {
                if (mask[r] == 0f) continue;
                for (int j = 0; j < w; j++)
                {
                    double v = raw[r * w + j];
                    if (transform is { Kind: TargetTransform.Log } && !(v > 0))
                        throw NonPositiveLabel(_tasks[t].Name, r, v, "data");
                    y[r * w + j] = (float)(transform is null ? v : transform.Apply(v));
                }
            }
            targets[t] = y;
            masks[t] = (float[])mask.Clone();
        }
        return new EncodedData(this, n, x, targets, masks, unknown);
    }

    private int FeatureIndex(string feature) => Schema.IndexOf(feature) is var f and >= 0
        ? f
        : throw new KeyNotFoundException($"There is no feature '{feature}' (features: {string.Join(", ", Schema.Names)}).");
}
