using MultiTask.Tasks;

namespace MultiTask.Data.Streaming;

/// <summary>
/// Fits a <see cref="FeatureEncoder"/> in one pass over chunks of training rows, in bounded memory:
/// add each chunk with <see cref="Add"/> (or fit chunks apart and <see cref="Merge"/> them), then call
/// <see cref="ToEncoder"/>. <see cref="StreamingDataset.FitEncoder"/> does this over a whole source.
/// </summary>
/// <remarks>
/// <para><b>What is kept.</b> Per numeric feature: the count, mean and sum of squared deviations
/// (merged as Chan et al.), and, for encodings that need quantiles (robust, quantile, piecewise-linear),
/// a <see cref="QuantileSketch"/>. Per categorical feature: the count of each category, and of values
/// that are not categories (the first <see cref="MaxUnknownValues"/> distinct ones by name). Whether each
/// feature has a missing value. Per task: the label count and, for standardised regression targets, the
/// moments of the (log-transformed) labels per target group.</para>
/// <para><b>Equivalence with <see cref="FeatureEncoder.Fit"/>.</b> On the same rows, the encoder has the
/// same layout (presence columns, bins), the same means and standard deviations up to floating-point
/// rounding, and quantiles (median and IQR, quantile maps, bin edges) whose ranks are within the sketch's
/// <see cref="QuantileSketch.RankErrorBound"/> of the exact ones; they are exact while a feature has fewer
/// values than the sketch holds (about k). Yeo-Johnson targets are the exception: λ is fitted by maximum
/// likelihood over all labels, which one pass cannot do, so λ and the standardisation after it are fitted
/// on a uniform sample (reservoir) of <see cref="YeoJohnsonSample"/> labels per target group, exact when
/// there are fewer.</para>
/// </remarks>
public sealed class EncoderFitter
{
    /// <summary>How many distinct unknown category values are counted by name per feature.</summary>
    public const int MaxUnknownValues = 1000;

    /// <summary>The number of labels per target group on which a Yeo-Johnson λ is fitted.</summary>
    public const int YeoJohnsonSample = 100_000;

    private readonly TaskSpec[] _tasks;
    private readonly int _sketchK;
    private readonly RunningMoments?[] _moments;
    private readonly QuantileSketch?[] _sketches;
    private readonly bool[] _hasMissing;
    private readonly long[][] _categoryCounts;
    private readonly Dictionary<string, long>[] _unknown;
    private readonly Dictionary<string, int>[] _categoryIndex;
    private readonly long[] _labelCounts;
    // Per regression task that fits statistics, the group representative it pools into (itself when ungrouped).
    private readonly int[] _groupOf;
    private readonly RunningMoments?[] _targetMoments;
    private readonly List<double>?[] _targetSample;
    private readonly long[] _targetSeen;
    private ulong _random = 0x2545F4914F6CDD1DUL;

    /// <summary>Creates an empty fitter.</summary>
    /// <param name="schema">The input features.</param>
    /// <param name="tasks">The tasks.</param>
    /// <param name="sketchK">The accuracy parameter of each feature's <see cref="QuantileSketch"/>.</param>
    public EncoderFitter(FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, int sketchK = QuantileSketch.DefaultK)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(tasks);
        Schema = schema;
        _tasks = [.. tasks];
        _sketchK = sketchK;
        int f = schema.Count;
        _moments = new RunningMoments?[f];
        _sketches = new QuantileSketch?[f];
        _hasMissing = new bool[f];
        _categoryCounts = new long[f][];
        _unknown = new Dictionary<string, long>[f];
        _categoryIndex = new Dictionary<string, int>[f];
        for (int i = 0; i < f; i++)
        {
            var spec = schema.Features[i];
            _categoryIndex[i] = spec.Categories.Select((c, j) => (c, j)).ToDictionary(p => p.c, p => p.j, StringComparer.Ordinal);
            _categoryCounts[i] = new long[spec.Categories.Count];
            _unknown[i] = new Dictionary<string, long>(StringComparer.Ordinal);
            if (spec.Kind != FeatureKind.Numeric) continue;
            _moments[i] = new RunningMoments();
            if (spec.NumericOptions!.Encoding != NumericEncoding.Standard) _sketches[i] = new QuantileSketch(sketchK);
        }
        _labelCounts = new long[_tasks.Length];
        _groupOf = new int[_tasks.Length];
        _targetMoments = new RunningMoments?[_tasks.Length];
        _targetSample = new List<double>?[_tasks.Length];
        _targetSeen = new long[_tasks.Length];
        for (int t = 0; t < _tasks.Length; t++)
        {
            var spec = _tasks[t];
            _groupOf[t] = spec.TargetGroup is { } group
                ? Array.FindIndex(_tasks, o => o.Kind == TaskKind.Regression && o.TargetGroup == group)
                : t;
            if (spec.Kind != TaskKind.Regression || spec.TargetTransform == TargetTransform.None || _groupOf[t] != t) continue;
            if (spec.TargetTransform == TargetTransform.YeoJohnson) _targetSample[t] = [];
            else _targetMoments[t] = new RunningMoments();
        }
    }

    /// <summary>The input features.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>The tasks.</summary>
    public IReadOnlyList<TaskSpec> Tasks => _tasks;

    /// <summary>The number of rows added.</summary>
    public long RowCount { get; private set; }

    /// <summary>The number of rows added that are labelled for <paramref name="task"/>.</summary>
    public long LabelCount(string task) => _labelCounts[MultiTaskDataset.IndexOfTask(_tasks, task)];

    /// <summary>How many rows held each category of categorical feature <paramref name="feature"/>, in the schema's category order.</summary>
    public IReadOnlyList<long> CategoryCounts(string feature) => _categoryCounts[FeatureIndex(feature)];

    /// <summary>
    /// The values of categorical features that are not among their categories, with row counts, most
    /// frequent first (at most <see cref="MaxUnknownValues"/> distinct values per feature are tracked).
    /// </summary>
    public IReadOnlyList<UnknownCategory> UnknownCategories() =>
        [.. Enumerable.Range(0, Schema.Count).SelectMany(f => _unknown[f]
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new UnknownCategory(Schema.Features[f].Name, p.Key, (int)Math.Min(int.MaxValue, p.Value))))];

    /// <summary>The quantile sketch of numeric feature <paramref name="feature"/> (after its log step), or null when its encoding needs none.</summary>
    public QuantileSketch? Sketch(string feature) => _sketches[FeatureIndex(feature)];

    /// <summary>Adds a chunk of training rows.</summary>
    /// <param name="chunk">Rows over the same schema and tasks.</param>
    /// <exception cref="ArgumentException">Another schema or tasks; a negative value of a feature with a log step; a non-positive label of a log target.</exception>
    public void Add(MultiTaskDataset chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (!chunk.Schema.SameAs(Schema) || !MultiTaskDataset.SameTasks(chunk.Tasks, _tasks))
            throw new ArgumentException("The chunk's schema or tasks differ from the fitter's; build every chunk with the same FeatureSchema and tasks.", nameof(chunk));
        int n = chunk.RowCount;
        var prepared = new double[n];
        for (int f = 0; f < Schema.Count; f++)
        {
            var spec = Schema.Features[f];
            if (spec.Kind == FeatureKind.Numeric)
            {
                var values = chunk.NumericArray(f)!;
                for (int r = 0; r < n; r++)
                {
                    double v = values[r];
                    if (double.IsNaN(v)) _hasMissing[f] = true;
                    prepared[r] = double.IsNaN(v) ? v : FittedNumeric.Prepare(spec.Name, spec.NumericOptions!, v, (int)Math.Min(int.MaxValue, RowCount + r), "training");
                }
                _moments[f]!.Add(prepared);
                if (_sketches[f] is { } sketch)
                    foreach (double v in prepared) sketch.Add(v);
                continue;
            }
            var cats = chunk.CategoricalArray(f)!;
            var counts = _categoryCounts[f];
            var unknown = _unknown[f];
            for (int r = 0; r < n; r++)
            {
                if (cats[r] is not { } v)
                {
                    _hasMissing[f] = true;
                    continue;
                }
                if (_categoryIndex[f].TryGetValue(v, out int c)) counts[c]++;
                else if (unknown.ContainsKey(v)) unknown[v]++;
                else if (unknown.Count < MaxUnknownValues) unknown[v] = 1;
            }
        }
        for (int t = 0; t < _tasks.Length; t++)
        {
            _labelCounts[t] += chunk.LabelCountAt(t);
            var spec = _tasks[t];
            if (spec.Kind != TaskKind.Regression || spec.TargetTransform == TargetTransform.None) continue;
            int g = _groupOf[t];
            var raw = chunk.TargetArray(t);
            var mask = chunk.MaskArray(t);
            var labels = new List<double>();
            for (int r = 0; r < n; r++)
            {
                if (mask[r] == 0f) continue;
                double y = raw[r];
                if (spec.TargetTransform == TargetTransform.Log)
                {
                    if (!(y > 0))
                        throw new ArgumentException(
                            $"Task '{spec.Name}' uses TargetTransform.Log but its label in training row {RowCount + r} is {y}; the log needs positive labels. Fix the label, or use TargetTransform.YeoJohnson, which accepts any real number.",
                            nameof(chunk));
                    y = Math.Log(y);
                }
                labels.Add(y);
            }
            if (_targetSample[g] is { } sample)
                foreach (double y in labels) Reservoir(g, sample, y);
            else _targetMoments[g]!.Add(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(labels));
        }
        RowCount += n;
    }

    /// <summary>Adds the rows summarised by <paramref name="other"/> (fitted apart on other chunks); <paramref name="other"/> is left unchanged.</summary>
    /// <param name="other">A fitter over the same schema, tasks and sketch size.</param>
    public void Merge(EncoderFitter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!other.Schema.SameAs(Schema) || !MultiTaskDataset.SameTasks(other._tasks, _tasks) || other._sketchK != _sketchK)
            throw new ArgumentException("Cannot merge fitters over different schemas, tasks or sketch sizes.", nameof(other));
        for (int f = 0; f < Schema.Count; f++)
        {
            _hasMissing[f] |= other._hasMissing[f];
            _moments[f]?.Merge(other._moments[f]!);
            _sketches[f]?.Merge(other._sketches[f]!);
            for (int c = 0; c < _categoryCounts[f].Length; c++) _categoryCounts[f][c] += other._categoryCounts[f][c];
            foreach (var (v, count) in other._unknown[f])
            {
                if (_unknown[f].ContainsKey(v)) _unknown[f][v] += count;
                else if (_unknown[f].Count < MaxUnknownValues) _unknown[f][v] = count;
            }
        }
        for (int t = 0; t < _tasks.Length; t++)
        {
            _labelCounts[t] += other._labelCounts[t];
            _targetMoments[t]?.Merge(other._targetMoments[t]!);
            if (_targetSample[t] is { } sample)
                foreach (double y in other._targetSample[t]!) Reservoir(t, sample, y);
        }
        RowCount += other.RowCount;
    }

    /// <summary>The encoder fitted on every row added.</summary>
    /// <exception cref="ArgumentException">No rows were added.</exception>
    /// <exception cref="InvalidOperationException">A numeric feature has no training values.</exception>
    public FeatureEncoder ToEncoder()
    {
        if (RowCount == 0)
            throw new ArgumentException("Cannot fit a FeatureEncoder on no rows; the training source is empty (or none of its rows is labelled).");
        var numerics = new FittedNumeric?[Schema.Count];
        for (int f = 0; f < Schema.Count; f++)
        {
            var spec = Schema.Features[f];
            if (spec.Kind != FeatureKind.Numeric) continue;
            var moments = _moments[f]!;
            if (moments.Count == 0)
                throw new InvalidOperationException(
                    $"Numeric feature '{spec.Name}' has no values in the training data, so it cannot be standardised; check its column name (TableOptions.ColumnMap) or remove it from the schema.");
            var sketch = _sketches[f];
            numerics[f] = FittedNumeric.FromDistribution(spec.Name, spec.NumericOptions!, moments.Count,
                p => sketch!.Quantile(p), moments.ToStandardization);
        }
        var transforms = new FittedTargetTransform?[_tasks.Length];
        for (int t = 0; t < _tasks.Length; t++)
        {
            var spec = _tasks[t];
            if (spec.Kind != TaskKind.Regression) continue;
            if (spec.TargetTransform == TargetTransform.None)
            {
                transforms[t] = new FittedTargetTransform(TargetTransform.None, double.NaN, null, null);
                continue;
            }
            int g = _groupOf[t];
            double lambda = double.NaN;
            Standardization standardization;
            if (_targetSample[g] is { } sample)
            {
                lambda = FittedTargetTransform.FitYeoJohnsonLambda(sample);
                var unscaled = new FittedTargetTransform(TargetTransform.YeoJohnson, lambda, null, spec.TargetGroup);
                standardization = Standardization.Fit(sample.Select(unscaled.Apply).ToArray());
            }
            else standardization = _targetMoments[g]!.ToStandardization();
            transforms[t] = new FittedTargetTransform(spec.TargetTransform, lambda, standardization, spec.TargetGroup);
        }
        return new FeatureEncoder(Schema, [.. _tasks], numerics, (bool[])_hasMissing.Clone(), transforms);
    }

    private void Reservoir(int group, List<double> sample, double y)
    {
        long seen = ++_targetSeen[group];
        if (sample.Count < YeoJohnsonSample)
        {
            sample.Add(y);
            return;
        }
        // Algorithm R: the i-th label replaces a random slot with probability size / i.
        ulong z = _random += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        long slot = (long)(z % (ulong)seen);
        if (slot < YeoJohnsonSample) sample[(int)slot] = y;
    }

    private int FeatureIndex(string feature) => Schema.IndexOf(feature) is var f and >= 0
        ? f
        : throw new KeyNotFoundException($"There is no feature '{feature}' (features: {string.Join(", ", Schema.Names)}).");
}
