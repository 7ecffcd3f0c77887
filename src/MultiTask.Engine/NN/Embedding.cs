using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// A lookup table of learned vectors (PyTorch's <c>nn.Embedding</c>): maps integer indices of any shape
/// to rows of <see cref="Weight"/>, giving shape [..., embeddingDim].
/// </summary>
/// <remarks>
/// The weight is initialised from N(0, 1); the <see cref="PaddingIdx"/> row starts at zero and never
/// receives a gradient, so it stays constant during training.
/// </remarks>
public sealed class Embedding : Module<Tensor, Tensor>
{
    /// <summary>Creates the table.</summary>
    /// <param name="numEmbeddings">The number of rows (valid indices are 0..numEmbeddings-1).</param>
    /// <param name="embeddingDim">The size of each vector.</param>
    /// <param name="paddingIdx">An optional index (negative counts from the end) whose row is zero and not trained.</param>
    /// <param name="generator">The random source for initialisation (default <see cref="Generator.Default"/>).</param>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegative(embeddingDim);
        if (paddingIdx is int p)
        {
            if (p >= numEmbeddings || p < -numEmbeddings)
                throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"Embedding: paddingIdx {p} must be within [-{numEmbeddings}, {numEmbeddings - 1}].");
            PaddingIdx = p < 0 ? p + numEmbeddings : p;
        }
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        Weight = Register("weight", new Parameter(Tensor.Zeros(numEmbeddings, embeddingDim)));
        Init.Normal(Weight, generator: generator);
        if (PaddingIdx is int pad) Weight.AsSpan().Slice(pad * embeddingDim, embeddingDim).Clear();
    }

    /// <summary>The number of rows.</summary>
    public int NumEmbeddings { get; }

    /// <summary>The size of each vector.</summary>
    public int EmbeddingDim { get; }

    /// <summary>The (non-negative) padding index, or null.</summary>
    public int? PaddingIdx { get; }

    /// <summary>The table, shape [numEmbeddings, embeddingDim].</summary>
    public Parameter Weight { get; }

    /// <summary>Looks up the rows for <paramref name="input"/>, a tensor of integer indices (held as floats).</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (float v in input.AsSpan())
        {
            if (!(v >= 0 && v < NumEmbeddings) || v != MathF.Floor(v))
                throw new ArgumentException($"Embedding: index {v} is out of range for {NumEmbeddings} embeddings (expected whole numbers 0..{NumEmbeddings - 1}).", nameof(input));
        }
        var flat = input.Detach().Reshape(-1);
        var rows = Weight.IndexSelect(0, flat);
        if (PaddingIdx is int pad)
        {
            // Same values, but the padding row's lookups are cut from the graph so it gets no gradient.
            rows = Tensor.Where(flat.Eq(pad).Unsqueeze(1), rows.Detach(), rows);
        }
        return rows.Reshape([.. input.ShapeArray, EmbeddingDim]);
    }

    /// <inheritdoc />
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is int p ? $", padding_idx={p}" : "");
}
