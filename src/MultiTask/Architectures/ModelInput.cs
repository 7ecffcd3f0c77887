using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// What every architecture is built for: the width of the encoded input, the tasks (name and output width, in
/// output order) and, when the input comes from a fitted <see cref="FeatureEncoder"/>, the encoder, whose
/// embedding-encoded and numeric columns become input layers (<see cref="AddInputLayers"/>).
/// </summary>
/// <remarks>
/// Built-in and user architectures take one and are built the same way:
/// <c>HardSharingModel.Create(ModelInput.From(encoder), new HardSharingOptions { ... }, generator)</c>,
/// <c>new MyArchitecture(ModelInput.From(encoder), ...)</c>. A <see cref="ModelInput"/> is immutable and can build
/// several models.
/// </remarks>
public sealed class ModelInput
{
    private readonly (string Name, int OutputSize)[] _tasks;

    /// <summary>An input of plain numeric columns: <paramref name="inputSize"/> features and the given tasks.</summary>
    /// <param name="inputSize">The number of input features (positive).</param>
    /// <param name="tasks">Each task's name and output width, in output order.</param>
    /// <exception cref="ArgumentException">No tasks, or an empty, repeated or dotted task name, or a non-positive output width.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive input size.</exception>
    public ModelInput(int inputSize, IReadOnlyList<(string Name, int OutputSize)> tasks)
        : this(inputSize, tasks, encoder: null)
    {
    }

    private ModelInput(int inputSize, IReadOnlyList<(string Name, int OutputSize)> tasks, FeatureEncoder? encoder)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        MultiTaskModel.CheckTaskList(tasks, nameof(tasks));
        InputSize = inputSize;
        _tasks = [.. tasks];
        Encoder = encoder;
    }

    /// <summary>
    /// The input of a fitted encoder: its encoded width, and its tasks (all of them, or those named in
    /// <paramref name="tasks"/>, in the encoder's order) with the output width of each task's kind.
    /// </summary>
    /// <param name="encoder">The encoder fitted on the training data.</param>
    /// <param name="tasks">The task names to build for (default: all of the encoder's tasks), e.g. one task for a single-task baseline.</param>
    /// <returns>The input.</returns>
    /// <exception cref="ArgumentException">A task name that is not one of the encoder's, or an empty subset.</exception>
    public static ModelInput From(FeatureEncoder encoder, IReadOnlyList<string>? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var all = encoder.Tasks.Select(t => (t.Name, t.OutputSize)).ToList();
        if (tasks is not null)
        {
            foreach (var name in tasks)
            {
                if (!all.Exists(t => t.Name == name))
                    throw new ArgumentException($"Task '{name}' is not one of the encoder's tasks ({string.Join(", ", all.Select(t => t.Name))}).", nameof(tasks));
            }
            all = all.Where(t => tasks.Contains(t.Name)).ToList();
        }
        return new ModelInput(encoder.Width, all, encoder);
    }

    /// <summary>The number of encoded input columns the model reads.</summary>
    public int InputSize { get; }

    /// <summary>Each task's name and output width, in output order.</summary>
    public IReadOnlyList<(string Name, int OutputSize)> Tasks => _tasks;

    /// <summary>The fitted encoder the input comes from; null for plain numeric input.</summary>
    public FeatureEncoder? Encoder { get; }

    /// <summary>
    /// Appends the input layers the encoded columns need to <paramref name="into"/>: <c>embeddings</c>
    /// (<see cref="EmbeddingInput"/>) when the encoder has embedding-encoded categorical columns, then
    /// <c>periodic</c> (<see cref="PeriodicEmbedding"/>) when <paramref name="numeric"/> is given and the encoder has
    /// numeric columns. Nothing is added for plain numeric input.
    /// </summary>
    /// <param name="into">The sequence to extend (usually the start of the shared part).</param>
    /// <param name="generator">The seeded source for initialisation (categorical embeddings first, then periodic).</param>
    /// <param name="embeddingSize">The vector size of a categorical feature given its number of categories; null for <see cref="EmbeddingInput"/>'s rule.</param>
    /// <param name="numeric">Periodic embeddings of the numeric columns; null for none.</param>
    /// <returns>The width after the added layers (<see cref="InputSize"/> when none were added).</returns>
    /// <exception cref="ArgumentException"><paramref name="numeric"/> is given for an input without an encoder, or names a column that is not numeric.</exception>
    public int AddInputLayers(Sequential into, Generator? generator = null, Func<int, int>? embeddingSize = null, PeriodicEmbeddingOptions? numeric = null)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (Encoder is null)
        {
            if (numeric is not null)
                throw new ArgumentException("Periodic numeric embeddings need the encoder's column kinds; build the ModelInput with ModelInput.From(encoder).", nameof(numeric));
            return InputSize;
        }
        int width = Encoder.Width;
        if (EmbeddingInput.IsNeeded(Encoder))
        {
            var embeddings = new EmbeddingInput(Encoder, embeddingSize, generator);
            into.Add("embeddings", embeddings);
            width = embeddings.OutputSize;
        }
        if (numeric is not null)
        {
            var columns = PeriodicEmbedding.NumericColumns(Encoder, numeric.Features);
            if (columns.Count > 0)
            {
                // The categorical layer keeps the plain columns first and in order, so a numeric column moves to its rank among them.
                var plain = PlainColumns.ToList();
                var periodic = new PeriodicEmbedding(width, columns.Select(c => plain.IndexOf(c)).ToArray(), numeric, generator);
                into.Add("periodic", periodic);
                width = periodic.OutputSize;
            }
        }
        return width;
    }

    /// <summary>The encoded columns other than embedding indices, in encoded order (every column for plain input).</summary>
    public IReadOnlyList<int> PlainColumns => Encoder is null
        ? Enumerable.Range(0, InputSize).ToList()
        : Enumerable.Range(0, Encoder.Width).Where(c => Encoder.Columns[c].Kind != EncodedColumnKind.EmbeddingIndex).ToList();
}
