using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// The input layer for categorical features encoded as embeddings: it replaces each embedding-index
/// column of the encoded matrix by a learned vector (an <see cref="Embedding"/> per feature) and
/// passes every other column through, so the rest of the network sees only real-valued inputs.
/// </summary>
/// <remarks>
/// Index 0 is the encoder's reserved "unknown or missing" category; it gets a learned vector like
/// any other. The default vector size follows the fast.ai rule of thumb
/// min(50, round(1.6 · n^0.56)) for n categories.
/// </remarks>
public sealed class EmbeddingInput : Module<Tensor, Tensor>
{
    private readonly int[] _plainColumns;
    private readonly int[] _indexColumns;
    private readonly Embedding[] _embeddings;

    /// <summary>Builds the layer for a fitted encoder's column layout.</summary>
    /// <param name="encoder">The encoder whose embedding-index columns are embedded.</param>
    /// <param name="embeddingSize">The vector size for a feature with the given number of categories (default: the rule above).</param>
    /// <param name="generator">The seeded source for the embeddings' initialisation.</param>
    public EmbeddingInput(FeatureEncoder encoder, Func<int, int>? embeddingSize = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        embeddingSize ??= DefaultSize;
        InputSize = encoder.Width;
        _plainColumns = Enumerable.Range(0, encoder.Width).Where(c => encoder.Columns[c].Kind != EncodedColumnKind.EmbeddingIndex).ToArray();
        _indexColumns = Enumerable.Range(0, encoder.Width).Where(c => encoder.Columns[c].Kind == EncodedColumnKind.EmbeddingIndex).ToArray();
        _embeddings = new Embedding[_indexColumns.Length];
        int width = _plainColumns.Length;
        for (int i = 0; i < _indexColumns.Length; i++)
        {
            var feature = encoder.Block(encoder.Columns[_indexColumns[i]].Feature).Feature;
            int size = embeddingSize(feature.Cardinality);
            if (size < 1)
                throw new ArgumentException($"The embedding size for feature '{feature.Name}' ({feature.Cardinality} categories) must be at least 1, got {size}.", nameof(embeddingSize));
            _embeddings[i] = Register(feature.Name, new Embedding(feature.Cardinality, size, generator: generator));
            width += size;
        }
        OutputSize = width;
    }

    /// <summary>
    /// Rebuilds the layer from its column layout and its embedding tables (how a saved model is read back): column
    /// <paramref name="indexColumns"/>[i] is looked up in <paramref name="embeddings"/>[i], registered under its name.
    /// </summary>
    /// <exception cref="ArgumentException">The columns do not split [0, inputSize) into plain and index columns, or the counts differ.</exception>
    internal EmbeddingInput(int inputSize, int[] plainColumns, int[] indexColumns, IReadOnlyList<KeyValuePair<string, Embedding>> embeddings)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        if (indexColumns.Length != embeddings.Count)
            throw new ArgumentException($"EmbeddingInput has {indexColumns.Length} index columns but {embeddings.Count} embedding tables; give one table per index column.", nameof(embeddings));
        var all = plainColumns.Concat(indexColumns).ToArray();
        if (all.Length != inputSize || all.Any(c => c < 0 || c >= inputSize) || all.Distinct().Count() != all.Length)
            throw new ArgumentException($"EmbeddingInput's plain and index columns must split the {inputSize} input columns, each once; got plain [{string.Join(", ", plainColumns)}], index [{string.Join(", ", indexColumns)}].", nameof(plainColumns));
        InputSize = inputSize;
        _plainColumns = [.. plainColumns];
        _indexColumns = [.. indexColumns];
        _embeddings = new Embedding[embeddings.Count];
        int width = _plainColumns.Length;
        for (int i = 0; i < _embeddings.Length; i++)
        {
            _embeddings[i] = Register(embeddings[i].Key, embeddings[i].Value);
            width += _embeddings[i].EmbeddingDim;
        }
        OutputSize = width;
    }

    /// <summary>The encoded input width.</summary>
    public int InputSize { get; }

    /// <summary>The width after embedding: the plain columns plus every feature's vector.</summary>
    public int OutputSize { get; }

    /// <summary>The encoded columns passed through unchanged, in encoded order: the first columns of the output.</summary>
    public IReadOnlyList<int> PlainColumns => Array.AsReadOnly(_plainColumns);

    /// <summary>The embedding-index columns, in the order of their vectors in the output (after the plain columns).</summary>
    public IReadOnlyList<int> IndexColumns => Array.AsReadOnly(_indexColumns);

    /// <summary>The table of each index column, in the order of <see cref="IndexColumns"/>.</summary>
    public IReadOnlyList<Embedding> Embeddings => Array.AsReadOnly(_embeddings);

    /// <summary>Whether <paramref name="encoder"/> has any embedding-encoded feature (else this layer is not needed).</summary>
    public static bool IsNeeded(FeatureEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        return encoder.Columns.Any(c => c.Kind == EncodedColumnKind.EmbeddingIndex);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2 || input.Size(1) != InputSize)
            throw new ArgumentException($"EmbeddingInput expects [batch, {InputSize}] encoded inputs, got [{string.Join(", ", input.Shape)}].", nameof(input));
        int batch = input.Size(0);
        var parts = new List<Tensor>(_embeddings.Length + 1);
        if (_plainColumns.Length > 0) parts.Add(input.IndexSelect(1, _plainColumns));
        for (int i = 0; i < _embeddings.Length; i++)
            parts.Add(_embeddings[i].Forward(input.Narrow(1, _indexColumns[i], 1).Reshape(batch)));
        return Tensor.Cat(parts, dim: 1);
    }

    private static int DefaultSize(int categories) => Math.Min(50, (int)Math.Round(1.6 * Math.Pow(categories, 0.56)));
}
