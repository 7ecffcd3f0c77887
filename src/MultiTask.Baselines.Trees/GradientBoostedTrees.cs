using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using MultiTask.Data;
using MultiTask.Metrics;
using MultiTask.Tasks;

namespace MultiTask.Baselines.Trees;

/// <summary>
/// A gradient-boosted-trees baseline (ML.NET FastTree) fitted on the same <see cref="EncodedData"/> as a
/// multi-task net and scored with the same metric classes, so the two can be compared honestly on the
/// user's own data.
/// </summary>
/// <remarks>
/// <para><b>Inputs.</b> Every encoded column (the union schema with presence columns), exactly what the
/// nets' shared input sees. Trees are invariant to the encoder's standardisation of numeric features, and
/// a feature missing for a task's rows is a constant column the trees never split on.</para>
/// <para><b>Rows.</b> A task's model (or its share of the pooled model) trains on that task's labelled rows
/// only: a row whose label mask is 0 is never read.</para>
/// <para><b>Kinds.</b> Regression (FastTree regression, squared error) and, per task, binary classification
/// (FastTree binary, predictions are probabilities of class 1). Other kinds throw
/// <see cref="NotSupportedException"/>; leave them out with <see cref="GradientBoostedTreesOptions.Tasks"/>.</para>
/// <para><b>Determinism.</b> ML.NET is seeded with <see cref="GradientBoostedTreesOptions.Seed"/> and FastTree
/// runs on one thread, so the same seed and data give the same predictions.</para>
/// </remarks>
public sealed class GradientBoostedTrees
{
    private const string LabelColumn = "Label";
    private const string FeaturesColumn = "Features";

    private readonly MLContext _ml;
    private readonly FeatureEncoder _encoder;
    private readonly string[] _columnNames;
    private readonly TaskSpec[] _tasks;
    private readonly ITransformer[] _perTask;
    private readonly ITransformer? _pooled;

    private GradientBoostedTrees(GradientBoostedTreesOptions options, MLContext ml, FeatureEncoder encoder, string[] columnNames,
        TaskSpec[] tasks, ITransformer[] perTask, ITransformer? pooled)
    {
        Options = options;
        _ml = ml;
        _encoder = encoder;
        _columnNames = columnNames;
        _tasks = tasks;
        _perTask = perTask;
        _pooled = pooled;
    }

    /// <summary>The options the baseline was fitted with.</summary>
    public GradientBoostedTreesOptions Options { get; }

    /// <summary>The fitted tasks, in order (the pooled model's task indicator columns follow this order).</summary>
    public IReadOnlyList<string> TaskNames => _tasks.Select(t => t.Name).ToArray();

    /// <summary>Fits the baseline on <paramref name="train"/>.</summary>
    /// <param name="train">The training data, encoded by the encoder fitted on it.</param>
    /// <param name="options">Hyper-parameters and mode; null for ML.NET's defaults, one model per task.</param>
    /// <returns>The fitted baseline.</returns>
    /// <exception cref="ArgumentException">An option is invalid, or a task in <see cref="GradientBoostedTreesOptions.Tasks"/> is not in the data.</exception>
    /// <exception cref="NotSupportedException">A task's kind is not supported in the chosen mode.</exception>
    /// <exception cref="InvalidOperationException">A task has no labelled training rows, or a binary task has only one class.</exception>
    public static GradientBoostedTrees Fit(EncodedData train, GradientBoostedTreesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new GradientBoostedTreesOptions();
        options.Validate();
        var tasks = SelectTasks(train, options);
        int width = train.Width;
        var x = train.Features.ToArray();
        var ml = new MLContext(options.Seed);

        if (options.Mode == GradientBoostedTreesMode.PerTask)
        {
            var models = new ITransformer[tasks.Length];
            for (int i = 0; i < tasks.Length; i++)
            {
                var spec = tasks[i];
                int t = train.TaskIndex(spec.Name);
                var rows = train.LabeledRows(t);
                var y = train.Targets(t).ToArray();
                var features = new float[rows.Count][];
                var labels = new float[rows.Count];
                for (int k = 0; k < rows.Count; k++)
                {
                    features[k] = Row(x, rows[k], width, 0, -1);
                    labels[k] = y[rows[k]];
                }
                models[i] = spec.Kind == TaskKind.Binary
                    ? FitBinary(ml, options, spec, features, labels, width)
                    : FitRegression(ml, options, features, labels, width);
            }
            return new GradientBoostedTrees(options, ml, train.Encoder, [.. train.ColumnNames], tasks, models, null);
        }

        // Pooled: the shared target column in user units, as a tabular user pools e.g. log price of houses
        // and condos; per-task standardisation would hand the model each task's mean for free.
        var pooledFeatures = new List<float[]>();
        var pooledLabels = new List<float>();
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = train.TaskIndex(tasks[i].Name);
            var rows = train.LabeledRows(t);
            var y = train.Encoder.InverseTarget(tasks[i].Name, train.Targets(t).ToArray());
            foreach (int r in rows)
            {
                pooledFeatures.Add(Row(x, r, width, tasks.Length, i));
                pooledLabels.Add(y[r]);
            }
        }
        var pooled = FitRegression(ml, options, [.. pooledFeatures], [.. pooledLabels], width + tasks.Length);
        return new GradientBoostedTrees(options, ml, train.Encoder, [.. train.ColumnNames], tasks, [], pooled);
    }

    /// <summary>
    /// Predicts every row of <paramref name="data"/> for every fitted task, in user units: regression values
    /// (de-standardised with the training encoder) or, for binary tasks, probabilities of class 1.
    /// </summary>
    /// <param name="data">Data encoded by the same encoder as the training data (any split).</param>
    /// <returns>Per task name, one prediction per row of <paramref name="data"/>.</returns>
    /// <exception cref="ArgumentException">The data's columns or feature statistics differ from the training data's.</exception>
    public IReadOnlyDictionary<string, float[]> Predict(EncodedData data)
    {
        CheckData(data);
        int n = data.RowCount, width = data.Width;
        var x = data.Features.ToArray();
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < _tasks.Length; i++)
        {
            var spec = _tasks[i];
            if (_pooled is not null)
            {
                result[spec.Name] = Score(_pooled, AllRows(x, n, width, _tasks.Length, i), width + _tasks.Length, "Score");
                continue;
            }
            var features = AllRows(x, n, width, 0, -1);
            result[spec.Name] = spec.Kind == TaskKind.Binary
                ? Score(_perTask[i], features, width, "Probability")
                : _encoder.InverseTarget(spec.Name, Score(_perTask[i], features, width, "Score"));
        }
        return result;
    }

    /// <summary>
    /// Scores the fitted tasks on the labelled rows of <paramref name="data"/> with the task's metrics
    /// (<see cref="TaskSpec.Metrics"/>, or the default set of its kind: RMSE, MAE and R² for regression),
    /// computed by the same <see cref="Metric"/> classes and in the same user units as
    /// <c>MultiTaskTrainer.Evaluate</c>.
    /// </summary>
    /// <param name="data">Data encoded by the same encoder as the training data (e.g. the test split).</param>
    /// <returns>Per task, its metrics.</returns>
    /// <exception cref="ArgumentException">The data's columns or feature statistics differ from the training data's.</exception>
    public TreeEvaluation Evaluate(EncodedData data)
    {
        var predictions = Predict(data);
        var tasks = new OrderedDictionary<string, TreeTaskEvaluation>(StringComparer.Ordinal);
        foreach (var spec in _tasks)
        {
            int t = data.TaskIndex(spec.Name);
            var targets = data.Targets(t).ToArray();
            if (spec.Kind == TaskKind.Regression) targets = data.Encoder.InverseTarget(spec.Name, targets);
            var mask = data.Mask(t).ToArray();
            var values = new OrderedDictionary<string, double>(StringComparer.Ordinal);
            var directions = new Dictionary<string, MetricDirection>(StringComparer.Ordinal);
            foreach (var template in MetricsOf(spec))
            {
                var metric = template.Clone();
                metric.Update(predictions[spec.Name], targets, mask);
                values[metric.Name] = metric.Result();
                directions[metric.Name] = metric.Direction;
            }
            tasks[spec.Name] = new TreeTaskEvaluation(spec.Name, data.LabelCount(t), values, directions);
        }
        return new TreeEvaluation(tasks);
    }

    private static TaskSpec[] SelectTasks(EncodedData train, GradientBoostedTreesOptions options)
    {
        var names = options.Tasks ?? train.Tasks.Select(t => t.Name).ToArray();
        var tasks = new TaskSpec[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            int t;
            try
            {
                t = train.TaskIndex(names[i]);
            }
            catch (KeyNotFoundException)
            {
                throw new ArgumentException(
                    $"GradientBoostedTreesOptions.Tasks names task '{names[i]}', which is not in the data (tasks: {string.Join(", ", train.Tasks.Select(s => s.Name))}).",
                    nameof(options));
            }
            var spec = train.Tasks[t];
            bool pooled = options.Mode == GradientBoostedTreesMode.Pooled;
            if (spec.Kind != TaskKind.Regression && (pooled || spec.Kind != TaskKind.Binary))
                throw new NotSupportedException(pooled
                    ? $"Task '{spec.Name}' is {spec.Kind}; pooled gradient-boosted trees fit one regression model over all tasks, so every task must be Regression. Use Mode = PerTask, or leave '{spec.Name}' out of GradientBoostedTreesOptions.Tasks."
                    : $"Task '{spec.Name}' is {spec.Kind}; gradient-boosted trees support Regression and Binary tasks. Leave '{spec.Name}' out of GradientBoostedTreesOptions.Tasks.");
            int labels = train.LabelCount(t);
            if (labels == 0)
                throw new InvalidOperationException(
                    $"Task '{spec.Name}' has no labelled rows in the training data ({train.RowCount} rows); give it labels, or leave it out of GradientBoostedTreesOptions.Tasks.");
            if (spec.Kind == TaskKind.Binary)
            {
                var y = train.Targets(t).ToArray();
                int positives = train.LabeledRows(t).Count(r => y[r] != 0f);
                if (positives == 0 || positives == labels)
                    throw new InvalidOperationException(
                        $"Binary task '{spec.Name}' has only class {(positives == 0 ? 0 : 1)} among its {labels} training labels; a classifier needs both classes.");
            }
            tasks[i] = spec;
        }
        return tasks;
    }

    /// <summary>The settings both FastTree trainers share; one thread, so the same seed gives the same trees.</summary>
    private static T Configure<T>(T trainer, GradientBoostedTreesOptions options) where T : BoostedTreeOptions
    {
        trainer.LabelColumnName = LabelColumn;
        trainer.FeatureColumnName = FeaturesColumn;
        trainer.NumberOfTrees = options.NumberOfTrees;
        trainer.NumberOfLeaves = options.NumberOfLeaves;
        trainer.LearningRate = options.LearningRate;
        trainer.MinimumExampleCountPerLeaf = options.MinimumExampleCountPerLeaf;
        trainer.Seed = options.Seed;
        trainer.FeatureSelectionSeed = options.Seed;
        trainer.NumberOfThreads = 1;
        return trainer;
    }

    private static ITransformer FitRegression(MLContext ml, GradientBoostedTreesOptions options, float[][] features, float[] labels, int width)
    {
        var rows = new RegressionRow[labels.Length];
        for (int i = 0; i < rows.Length; i++) rows[i] = new RegressionRow { Label = labels[i], Features = features[i] };
        var view = ml.Data.LoadFromEnumerable(rows, Schema<RegressionRow>(width));
        var trainer = ml.Regression.Trainers.FastTree(Configure(new FastTreeRegressionTrainer.Options(), options));
        return trainer.Fit(view);
    }

    private static ITransformer FitBinary(MLContext ml, GradientBoostedTreesOptions options, TaskSpec spec, float[][] features, float[] labels, int width)
    {
        var rows = new BinaryRow[labels.Length];
        for (int i = 0; i < rows.Length; i++) rows[i] = new BinaryRow { Label = labels[i] != 0f, Features = features[i] };
        var view = ml.Data.LoadFromEnumerable(rows, Schema<BinaryRow>(width));
        var trainer = ml.BinaryClassification.Trainers.FastTree(Configure(new FastTreeBinaryTrainer.Options(), options));
        try
        {
            return trainer.Fit(view);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new InvalidOperationException($"FastTree could not fit binary task '{spec.Name}': {e.Message}", e);
        }
    }

    private float[] Score(ITransformer model, float[][] features, int width, string column)
    {
        var rows = new FeatureRow[features.Length];
        for (int i = 0; i < rows.Length; i++) rows[i] = new FeatureRow { Features = features[i] };
        var scored = model.Transform(_ml.Data.LoadFromEnumerable(rows, Schema<FeatureRow>(width)));
        var values = scored.GetColumn<float>(scored.Schema[column]).ToArray();
        if (values.Length != features.Length)
            throw new InvalidOperationException($"ML.NET returned {values.Length} predictions for {features.Length} rows.");
        return values;
    }

    private void CheckData(EncodedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!data.ColumnNames.SequenceEqual(_columnNames, StringComparer.Ordinal))
            throw new ArgumentException(
                $"The data has {data.Width} input columns ({Preview(data.ColumnNames)}) but the trees were fitted on {_columnNames.Length} ({Preview(_columnNames)}); encode every split with the encoder fitted on the training data.",
                nameof(data));
        foreach (var block in _encoder.Blocks)
        {
            if (block.Feature.Kind != FeatureKind.Numeric) continue;
            string name = block.Feature.Name;
            if (data.Encoder.FeatureStatistics(name) != _encoder.FeatureStatistics(name))
                throw new ArgumentException(
                    $"Feature '{name}' was standardised with other statistics than in the training data ({data.Encoder.FeatureStatistics(name)} vs {_encoder.FeatureStatistics(name)}); encode every split with the encoder fitted on the training data.",
                    nameof(data));
        }
        foreach (var spec in _tasks)
        {
            int t = data.TaskIndex(spec.Name);
            if (data.Tasks[t].Kind != spec.Kind)
                throw new ArgumentException($"Task '{spec.Name}' is {data.Tasks[t].Kind} in the data but was fitted as {spec.Kind}.", nameof(data));
        }
    }

    private static IReadOnlyList<Metric> MetricsOf(TaskSpec spec) => spec.Metrics ?? (spec.Kind == TaskKind.Binary
        ? StandardMetrics.ForTask(MetricTaskKind.Binary)
        : StandardMetrics.ForTask(MetricTaskKind.Regression));

    /// <summary>Row <paramref name="r"/> of the input, followed by <paramref name="indicators"/> one-hot task columns with <paramref name="hot"/> set.</summary>
    private static float[] Row(float[] x, int r, int width, int indicators, int hot)
    {
        var row = new float[width + indicators];
        Array.Copy(x, r * width, row, 0, width);
        if (hot >= 0) row[width + hot] = 1f;
        return row;
    }

    private static float[][] AllRows(float[] x, int n, int width, int indicators, int hot)
    {
        var rows = new float[n][];
        for (int r = 0; r < n; r++) rows[r] = Row(x, r, width, indicators, hot);
        return rows;
    }

    private static SchemaDefinition Schema<T>(int width)
    {
        // The feature vector's length is known only at run time, so it is set on the schema rather than by attribute.
        var schema = SchemaDefinition.Create(typeof(T));
        schema[FeaturesColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }

    private static string Preview(IEnumerable<string> names)
    {
        var list = names.ToList();
        return string.Join(", ", list.Take(8)) + (list.Count > 8 ? ", ..." : "");
    }

    private sealed class RegressionRow
    {
        public float Label { get; set; }

        public float[] Features { get; set; } = [];
    }

    private sealed class BinaryRow
    {
        public bool Label { get; set; }

        public float[] Features { get; set; } = [];
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
