using System.Globalization;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Recipes;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Saving;

/// <summary>
/// A saved model read back by <see cref="ModelFile.Load"/>: it takes raw rows (a dataset, a <see cref="Table"/>, a CSV file
/// or records) and returns each task's predictions in the user's units, exactly as the saved model's
/// <see cref="MultiTaskTrainer.Predict(EncodedData)"/> or <see cref="TabularModel.Predict"/> returned them.
/// </summary>
/// <remarks>
/// Predictions are regression values in the target's units, probabilities for binary and multilabel tasks (sigmoid),
/// class probabilities for multiclass tasks (softmax), and raw outputs for custom tasks; each is [rows, output size].
/// The models were put in evaluation mode when loaded and are never switched back, so dropout is off and batch norm
/// uses its running statistics.
/// </remarks>
public sealed class Predictor
{
    // The trainer's default evaluation batch: matrix products may sum in another order for another number of rows,
    // so predicting in the same chunks keeps the predictions bit-identical to MultiTaskTrainer.Predict.
    private static readonly int s_batchSize = new TrainerOptions().EvaluationBatchSize;

    private readonly Part[] _parts;

    internal Predictor(FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, IReadOnlyList<string> taskNames, IReadOnlyList<Part> parts,
        int formatVersion, string libraryVersion)
    {
        Schema = schema;
        Tasks = tasks;
        TaskNames = taskNames;
        _parts = [.. parts];
        FormatVersion = formatVersion;
        LibraryVersion = libraryVersion;
    }

    /// <summary>The schema of the training data; rows to predict are read with it.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>
    /// The tasks of the training data, with their kinds, features, target columns, classes and target transforms (their
    /// <see cref="TaskSpec.Loss"/> and <see cref="TaskSpec.Metrics"/> are not saved and are null).
    /// </summary>
    public IReadOnlyList<TaskSpec> Tasks { get; }

    /// <summary>The tasks predicted, in the order of the outputs.</summary>
    public IReadOnlyList<string> TaskNames { get; }

    /// <summary>
    /// The fitted encoder of a saved <see cref="MultiTaskModel"/> (or of a tabular model that has one encoder for all its
    /// tasks): the same statistics, so rows are encoded exactly as the training rows were.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has several encoders (single-task, pooled or selected parts); use <see cref="EncoderOf"/>.</exception>
    public FeatureEncoder Encoder => _parts is [{ Pooled: null } only] ? only.Encoder
        : throw new InvalidOperationException($"The model has {_parts.Length} parts with their own encoders{(_parts.Any(p => p.Pooled is not null) ? " (a pooled part encodes its rows with a task column)" : "")}; use EncoderOf(task).");

    /// <summary>The parts: each an encoder and the ensemble members that predict its tasks.</summary>
    internal IReadOnlyList<Part> Parts => _parts;

    /// <summary>The encoder that encodes the rows of <paramref name="task"/> (for a pooled task, the stacked rows' encoder).</summary>
    /// <exception cref="ArgumentException">Not a predicted task.</exception>
    public FeatureEncoder EncoderOf(string task) => PartOf(task).Encoder;

    /// <summary>The format version of the file.</summary>
    public int FormatVersion { get; }

    /// <summary>The MultiTask version that wrote the file.</summary>
    public string LibraryVersion { get; }

    /// <summary>Predicts every row of <paramref name="data"/>.</summary>
    /// <param name="data">Rows over <see cref="Schema"/> and <see cref="Tasks"/> (labels are not needed).</param>
    /// <returns>Per task of <see cref="TaskNames"/>, the predictions [rows, output size] in the user's units.</returns>
    /// <exception cref="ArgumentException">The data has another schema or tasks, or a value whose encoding is not finite.</exception>
    public TaskOutputs Predict(MultiTaskDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var part in _parts)
        {
            if (part.Pooled is not { } pooled)
            {
                var predicted = part.Predict(part.Encoder.Transform(data), part.Tasks);
                for (int t = 0; t < part.Tasks.Length; t++) outputs[part.Tasks[t]] = predicted[t];
                continue;
            }
            foreach (var task in part.Tasks) outputs[task] = part.Predict(part.Encoder.Transform(pooled.ForTask(data, task)), [pooled.Name])[0];
        }
        return new TaskOutputs(TaskNames.Select(t => KeyValuePair.Create(t, outputs[t])));
    }

    /// <summary>
    /// Predicts every row of <paramref name="table"/>. The table needs the features' columns, not labels; a feature
    /// column it lacks is missing in every row, as in training data from a table without it.
    /// </summary>
    /// <param name="table">The raw rows.</param>
    /// <param name="options">Column renames and missing-value tokens; <see cref="TableOptions.Labels"/> and
    /// <see cref="TableOptions.KeepUnlabeledRows"/> are set for prediction (no label is read, every row is kept).</param>
    /// <returns>Per task, the predictions in the user's units, one row per table row.</returns>
    /// <exception cref="ArgumentException">The table has no rows, or a value cannot be encoded.</exception>
    /// <exception cref="InvalidDataException">A numeric cell is not a number.</exception>
    public TaskOutputs Predict(Table table, TableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var forPrediction = (options ?? new TableOptions()) with { Labels = [], KeepUnlabeledRows = true };
        return Predict(MultiTaskDataset.FromTable(Schema, Tasks, table, forPrediction));
    }

    /// <summary>Predicts every row of a CSV file (header row required, invariant culture), as <see cref="Predict(Table, TableOptions?)"/>.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="options">Delimiter, column renames and missing-value tokens.</param>
    /// <returns>Per task, the predictions in the user's units, one row per data line.</returns>
    public TaskOutputs PredictCsv(string path, CsvOptions? options = null) => Predict(Table.FromCsv(path, options), options);

    /// <summary>
    /// Predicts records: one dictionary per row, from column name to value (a number, a string, or null for missing). A
    /// column absent from a record is missing in that row.
    /// </summary>
    /// <param name="records">The rows.</param>
    /// <returns>Per task, the predictions in the user's units, one row per record.</returns>
    public TaskOutputs Predict(IEnumerable<IReadOnlyDictionary<string, object?>> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var rows = records.ToList();
        var columns = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            ArgumentNullException.ThrowIfNull(row, nameof(records));
            foreach (var key in row.Keys)
                if (seen.Add(key)) columns.Add(key);
        }
        var table = new Table("records");
        foreach (var column in columns)
            // Text goes through the same parsing as a CSV cell; numbers are written in round-trip form, so they parse back exactly.
            table.Add(column, [.. rows.Select(r => r.TryGetValue(column, out var v) ? Text(v) : null)]);
        return Predict(table);
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private Part PartOf(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return _parts.FirstOrDefault(p => p.Tasks.Contains(task))
            ?? throw new ArgumentException($"The model has no task '{task}'; its tasks are: {string.Join(", ", TaskNames.Select(t => $"'{t}'"))}.", nameof(task));
    }

    /// <summary>An encoder and the members that predict some tasks from its encoding.</summary>
    internal sealed class Part(string[] tasks, FeatureEncoder encoder, PooledTasks? pooled, MultiTaskModel[] members, TaskBinding[][] bindings)
    {
        public string[] Tasks { get; } = tasks;

        public FeatureEncoder Encoder { get; } = encoder;

        public PooledTasks? Pooled { get; } = pooled;

        public IReadOnlyList<MultiTaskModel> Members => members;

        /// <summary>
        /// The mean over the members of each of <paramref name="tasks"/>' predictions, in the user's units, summed and
        /// divided as <see cref="MultiTaskEnsemble.Predict"/> does, so that the result is the same to the bit.
        /// </summary>
        public Tensor[] Predict(EncodedData data, IReadOnlyList<string> tasks)
        {
            RequireFinite(data);
            int rows = data.RowCount;
            var sums = new double[tasks.Count][];
            var widths = new int[tasks.Count];
            for (int m = 0; m < members.Length; m++)
            {
                var wanted = tasks.Select(t => bindings[m].First(b => b.Name == t)).ToArray();
                var values = PredictMember(members[m], wanted, data.Features);
                for (int t = 0; t < tasks.Count; t++)
                {
                    widths[t] = wanted[t].Spec.OutputSize;
                    sums[t] ??= new double[values[t].Length];
                    for (int j = 0; j < values[t].Length; j++) sums[t][j] += values[t][j];
                }
            }
            return [.. sums.Select((sum, t) =>
            {
                var mean = new float[sum.Length];
                for (int j = 0; j < mean.Length; j++) mean[j] = (float)(sum[j] / members.Length);
                return Tensor.FromArray(mean, rows, widths[t]);
            })];
        }

        /// <summary>One member's predictions of some tasks, computed as MultiTaskTrainer.Predict computes them.</summary>
        private float[][] PredictMember(MultiTaskModel model, TaskBinding[] wanted, Tensor inputs)
        {
            int rows = inputs.Shape[0], columns = inputs.Shape[1];
            var results = wanted.Select(b => new float[rows * b.Spec.OutputSize]).ToArray();
            using var noGrad = Autograd.NoGrad();
            var all = inputs.AsSpan();
            for (int start = 0; start < rows; start += s_batchSize)
            {
                int count = Math.Min(s_batchSize, rows - start);
                var chunk = Tensor.FromArray(all.Slice(start * columns, count * columns).ToArray(), count, columns);
                var outputs = model.Forward(chunk);
                for (int t = 0; t < wanted.Length; t++)
                    wanted[t].ToUserUnits(outputs[wanted[t].Name], Encoder).AsSpan().CopyTo(results[t].AsSpan(start * wanted[t].Spec.OutputSize));
            }
            return results;
        }

        private void RequireFinite(EncodedData data)
        {
            // As the trainer: a raw value far outside the training range can encode to a float infinity, which would
            // silently poison that row's predictions.
            var values = data.Features.AsSpan();
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                    throw new ArgumentException(
                        $"Input row {i / Encoder.Width}, column '{Encoder.ColumnNames[i % Encoder.Width]}' is {values[i]}. The raw value is too far outside the training range to encode as a float32; fix or drop that value.",
                        "data");
            }
        }
    }
}
