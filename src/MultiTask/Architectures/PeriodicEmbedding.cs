using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// An input layer that replaces chosen numeric columns by learned periodic embeddings (PLR: periodic,
/// linear, Relu) and passes every other column through: for each chosen column x_j,
/// e_j = Relu(W_j·[sin(2π·c_j·x_j), cos(2π·c_j·x_j)] + b_j), with k learned frequencies c_j and a
/// Linear(2k → d) of the feature's own. The output is the untouched columns (in their order) followed
/// by e_1, …, e_m: [batch, (inputSize − m) + m·d].
/// </summary>
/// <remarks>
/// <para>
/// Gorishniy, Rubachev &amp; Babenko, "On Embeddings for Numerical Features in Tabular Deep Learning",
/// NeurIPS 2022. An MLP fed raw scalars struggles to fit the sharp, irregular functions of single
/// features that trees fit with a few splits (spectral bias); mapping each scalar to many sines and
/// cosines of learned frequency first gives the network such features directly, and closes much of
/// the gap to gradient-boosted trees on numeric-heavy tables.
/// </para>
/// <para>
/// Parameters: <c>frequencies</c> [m, k] (c, drawn from N(0, σ²) truncated at ±3σ), <c>weight</c>
/// [m, 2k, d] and <c>bias</c> [m, d] (U(−1/√(2k), 1/√(2k)), PyTorch's Linear initialisation). Put it first in
/// a backbone: <c>new Sequential().Add("periodic", layer)</c>, then an MLP of input width
/// <see cref="OutputSize"/>.
/// </para>
/// </remarks>
public sealed class PeriodicEmbedding : Module<Tensor, Tensor>
{
    private readonly int[] _columns;
    private readonly int[] _passThrough;

    /// <summary>Embeds the given columns of an input of width <paramref name="inputSize"/>.</summary>
    /// <param name="inputSize">The input width.</param>
    /// <param name="columns">The (distinct) indices of the columns to embed, each in [0, inputSize).</param>
    /// <param name="options">k, σ and d (<see cref="PeriodicEmbeddingOptions.Features"/> is not used here).</param>
    /// <param name="generator">The seeded source for initialisation.</param>
    /// <exception cref="ArgumentException">No columns, a repeated column, or a column out of range.</exception>
    public PeriodicEmbedding(int inputSize, IReadOnlyList<int> columns, PeriodicEmbeddingOptions? options = null, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentNullException.ThrowIfNull(columns);
        options ??= new PeriodicEmbeddingOptions();
        options.Validate();
        if (columns.Count == 0)
            throw new ArgumentException("PeriodicEmbedding needs at least one column to embed.", nameof(columns));
        foreach (int c in columns)
        {
            if (c < 0 || c >= inputSize)
                throw new ArgumentException($"PeriodicEmbedding: column {c} is outside the input's {inputSize} columns.", nameof(columns));
        }
        if (columns.Distinct().Count() != columns.Count)
            throw new ArgumentException($"PeriodicEmbedding: columns [{string.Join(", ", columns)}] repeat a column; embed each column once.", nameof(columns));
        InputSize = inputSize;
        Options = options;
        _columns = [.. columns];
        _passThrough = Enumerable.Range(0, inputSize).Except(_columns).ToArray();
        int m = _columns.Length, k = options.Frequencies, d = options.Size;
        Frequencies = Register("frequencies", new Parameter(TruncatedNormal(m, k, options.Sigma, generator ?? Generator.Default)));
        Weight = Register("weight", new Parameter(Tensor.Zeros(m, 2 * k, d)));
        Bias = Register("bias", new Parameter(Tensor.Zeros(m, d)));
        double bound = 1 / Math.Sqrt(2 * k);
        Init.Uniform(Weight, -bound, bound, generator);
        Init.Uniform(Bias, -bound, bound, generator);
        OutputSize = _passThrough.Length + m * d;
    }

    /// <summary>Embeds the numeric columns of a fitted encoder (<see cref="EncodedColumnKind.Numeric"/>; all, or those of <see cref="PeriodicEmbeddingOptions.Features"/>).</summary>
    /// <param name="encoder">The fitted encoder; its width is the input width.</param>
    /// <param name="options">k, σ, d and the features to embed.</param>
    /// <param name="generator">The seeded source for initialisation.</param>
    /// <exception cref="ArgumentException">The encoder has no numeric column, or a listed feature is not numeric.</exception>
    public PeriodicEmbedding(FeatureEncoder encoder, PeriodicEmbeddingOptions? options = null, Generator? generator = null)
        : this((encoder ?? throw new ArgumentNullException(nameof(encoder))).Width, NumericColumns(encoder, options?.Features), options, generator)
    {
    }

    /// <summary>The input width.</summary>
    public int InputSize { get; }

    /// <summary>The output width: the passed-through columns plus d per embedded column.</summary>
    public int OutputSize { get; }

    /// <summary>The embedded input columns, in the order of their embeddings in the output.</summary>
    public IReadOnlyList<int> Columns => _columns;

    /// <summary>k, σ and d.</summary>
    public PeriodicEmbeddingOptions Options { get; }

    /// <summary>The learned frequencies c, [m, k].</summary>
    public Parameter Frequencies { get; }

    /// <summary>The per-feature linear weights, [m, 2k, d]: row i &lt; k reads sin(2πc_i x), row k + i reads cos(2πc_i x).</summary>
    public Parameter Weight { get; }

    /// <summary>The per-feature linear biases, [m, d].</summary>
    public Parameter Bias { get; }

    /// <summary>
    /// The indices of <paramref name="encoder"/>'s numeric columns (<see cref="EncodedColumnKind.Numeric"/>),
    /// all or those of the named <paramref name="features"/>, in column order.
    /// </summary>
    /// <exception cref="ArgumentException">A listed feature is unknown or not numeric; the message lists the numeric ones.</exception>
    public static IReadOnlyList<int> NumericColumns(FeatureEncoder encoder, IReadOnlyList<string>? features = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var numeric = Enumerable.Range(0, encoder.Width).Where(c => encoder.Columns[c].Kind == EncodedColumnKind.Numeric).ToList();
        if (features is null) return numeric;
        var names = numeric.Select(c => encoder.Columns[c].Feature).ToHashSet(StringComparer.Ordinal);
        foreach (var f in features)
        {
            if (!names.Contains(f))
                throw new ArgumentException(
                    $"Feature '{f}' cannot get a periodic embedding: it is not a numeric feature of the encoder. The numeric features are: {string.Join(", ", names.Select(n => $"'{n}'"))}.",
                    nameof(features));
        }
        return numeric.Where(c => features.Contains(encoder.Columns[c].Feature)).ToList();
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2 || input.Size(1) != InputSize)
            throw new ArgumentException($"PeriodicEmbedding expects [batch, {InputSize}] inputs, got [{string.Join(", ", input.Shape)}].", nameof(input));
        int batch = input.Size(0), m = _columns.Length;
        // [B, m, 1] · [m, k] → [B, m, k]: every feature against its own frequencies.
        var angle = input.IndexSelect(1, _columns).Unsqueeze(2) * Frequencies * (2f * MathF.PI);
        var periodic = Tensor.Cat([angle.Sin(), angle.Cos()], dim: 2);
        // One [B, 2k]·[2k, d] product per feature, batched over features: [m, B, 2k]·[m, 2k, d] → [m, B, d].
        var embedded = (periodic.Transpose(0, 1).MatMul(Weight).Transpose(0, 1) + Bias).Relu().Reshape(batch, m * Options.Size);
        return _passThrough.Length == 0 ? embedded : Tensor.Cat([input.IndexSelect(1, _passThrough), embedded], dim: 1);
    }

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"columns={_columns.Length}, frequencies={Options.Frequencies}, sigma={Options.Sigma}, size={Options.Size}";

    private static Tensor TruncatedNormal(int rows, int cols, double sigma, Generator generator)
    {
        var t = Tensor.Zeros(rows, cols);
        var data = t.AsSpan();
        for (int i = 0; i < data.Length; i++)
        {
            double z;
            do z = generator.NextNormal(); while (Math.Abs(z) > 3);
            data[i] = (float)(sigma * z);
        }
        return t;
    }
}
