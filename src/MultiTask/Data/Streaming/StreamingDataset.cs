using MultiTask.Tasks;

namespace MultiTask.Data.Streaming;

/// <summary>
/// A dataset read a chunk at a time from a <see cref="ChunkSource"/>, for data larger than memory: each
/// chunk becomes a <see cref="MultiTaskDataset"/> under the schema and tasks with the rules of
/// <see cref="MultiTaskDataset.FromTable"/> (missing labels are masked, never NaN in the encoded targets).
/// </summary>
/// <remarks>
/// <para>Typical use: <see cref="FromCsv(string, FeatureSchema, IReadOnlyList{TaskSpec}, CsvOptions?, int)"/>,
/// <see cref="FitEncoder"/> (one pass), then a <see cref="StreamingLoader"/> for the trainer's
/// <see cref="Training.MultiTaskTrainer.FitStreaming"/>.</para>
/// <para>Differences from <see cref="MultiTaskDataset.FromTable"/>: a chunk with no rows, no labelled row,
/// or no label for some task is not an error (only the whole source must have labels, checked when the
/// encoder is fitted), and error messages name the file and its line.</para>
/// </remarks>
public sealed class StreamingDataset
{
    private readonly TaskSpec[] _tasks;
    private readonly HashSet<string> _columns;
    private int[]? _chunkRows;

    /// <summary>Creates a dataset over the chunks of <paramref name="source"/>.</summary>
    /// <param name="source">The raw chunks.</param>
    /// <param name="schema">The input features.</param>
    /// <param name="tasks">All tasks of the model.</param>
    /// <param name="options">Column mapping, labelled tasks, task routing and missing-value tokens, as for <see cref="MultiTaskDataset.FromTable"/>.</param>
    public StreamingDataset(ChunkSource source, FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, TableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(tasks);
        if (schema.Count == 0)
            throw new ArgumentException("The schema has no features; add them with .Numeric(name) or .Categorical(name, categories).", nameof(schema));
        TaskSpec.ValidateAll(tasks, schema);
        Source = source;
        Schema = schema;
        _tasks = [.. tasks];
        Options = options ?? new TableOptions();
        string Map(string name) => Options.ColumnMap is not null && Options.ColumnMap.TryGetValue(name, out var c) ? c : name;
        // Only these columns are parsed; a wide file's other columns cost the tokenizer's scan alone.
        _columns = new HashSet<string>(schema.Names.Concat(_tasks.SelectMany(t => t.Targets)).Select(Map), StringComparer.Ordinal);
        if (Options.TaskColumn is { } taskColumn) _columns.Add(taskColumn);
    }

    /// <summary>A dataset over one CSV file read in chunks of <paramref name="chunkRows"/> records.</summary>
    /// <param name="path">The CSV file (UTF-8, header row).</param>
    /// <param name="schema">The input features.</param>
    /// <param name="tasks">All tasks of the model.</param>
    /// <param name="options">Delimiter, column mapping, labelled tasks, routing, missing-value tokens.</param>
    /// <param name="chunkRows">Records per chunk.</param>
    public static StreamingDataset FromCsv(string path, FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, CsvOptions? options = null,
        int chunkRows = CsvChunkSource.DefaultChunkRows) =>
        new(new CsvChunkSource(path, options, chunkRows), schema, tasks, options);

    /// <summary>A dataset over several CSV files with the same columns, read in chunks of <paramref name="chunkRows"/> records.</summary>
    /// <param name="paths">The CSV files (UTF-8, header rows).</param>
    /// <param name="schema">The input features.</param>
    /// <param name="tasks">All tasks of the model.</param>
    /// <param name="options">Delimiter, column mapping, labelled tasks, routing, missing-value tokens.</param>
    /// <param name="chunkRows">Records per chunk.</param>
    public static StreamingDataset FromCsv(IEnumerable<string> paths, FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, CsvOptions? options = null,
        int chunkRows = CsvChunkSource.DefaultChunkRows) =>
        new(new CsvChunkSource(paths, options, chunkRows), schema, tasks, options);

    /// <summary>The raw chunks.</summary>
    public ChunkSource Source { get; }

    /// <summary>The input features.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>The tasks.</summary>
    public IReadOnlyList<TaskSpec> Tasks => _tasks;

    /// <summary>How raw columns map to features and labels.</summary>
    public TableOptions Options { get; }

    /// <summary>The number of chunks.</summary>
    public int ChunkCount => Source.ChunkCount;

    /// <summary>
    /// The number of rows (after dropping unlabelled rows unless <see cref="TableOptions.KeepUnlabeledRows"/>);
    /// counted by the first pass that reads every chunk (<see cref="FitEncoder"/> or this property).
    /// </summary>
    public long RowCount => ChunkRowCounts().Sum(n => (long)n);

    /// <summary>Reads chunk <paramref name="index"/> as a dataset (possibly with no rows).</summary>
    /// <param name="index">A chunk index in [0, <see cref="ChunkCount"/>).</param>
    public MultiTaskDataset ReadChunk(int index) => MultiTaskDataset.FromTableCore(Schema, _tasks, Source.ReadChunk(index, _columns), Options, chunk: true);

    /// <summary>Every chunk in order, read one at a time.</summary>
    public IEnumerable<MultiTaskDataset> Chunks()
    {
        int count = ChunkCount;
        var rows = _chunkRows is null ? new int[count] : null;
        for (int i = 0; i < count; i++)
        {
            var chunk = ReadChunk(i);
            if (rows is not null) rows[i] = chunk.RowCount;
            yield return chunk;
        }
        if (rows is not null) _chunkRows ??= rows;
    }

    /// <summary>
    /// Fits a <see cref="FeatureEncoder"/> on every row in one pass, in memory bounded by a chunk and the
    /// sketches (see <see cref="EncoderFitter"/> for what is exact and what is approximate).
    /// </summary>
    /// <param name="sketchK">The accuracy parameter of the quantile sketches.</param>
    /// <exception cref="InvalidDataException">A task has no label in the whole source.</exception>
    public FeatureEncoder FitEncoder(int sketchK = QuantileSketch.DefaultK) => Fit(sketchK).ToEncoder();

    /// <summary>As <see cref="FitEncoder"/>, returning the fitter with its counts (rows, labels, categories, sketches).</summary>
    /// <param name="sketchK">The accuracy parameter of the quantile sketches.</param>
    /// <exception cref="InvalidDataException">A task the source labels has no label in the whole source.</exception>
    public EncoderFitter Fit(int sketchK = QuantileSketch.DefaultK)
    {
        var fitter = new EncoderFitter(Schema, _tasks, sketchK);
        foreach (var chunk in Chunks()) fitter.Add(chunk);
        if (fitter.RowCount == 0)
            throw new InvalidDataException($"Source '{Source.Name}' has no labelled rows; a dataset needs at least one labelled row.");
        foreach (var task in _tasks)
        {
            bool labels = Options.Labels is null || Options.Labels.Contains(task.Name);
            if (labels && fitter.LabelCount(task.Name) == 0)
                throw new InvalidDataException(
                    $"Task '{task.Name}' has no labels in source '{Source.Name}'. Fix the data, or leave the task out of TableOptions.Labels for this source.");
        }
        return fitter;
    }

    /// <summary>The rows per chunk, from the first full pass (made now if none has been).</summary>
    internal int[] ChunkRowCounts()
    {
        if (_chunkRows is null)
            foreach (var _ in Chunks()) { }
        return _chunkRows!;
    }
}
