using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// Layer normalisation over the last dimensions (PyTorch's <c>nn.LayerNorm</c>):
/// (x - mean) / √(var + eps)·γ + β, with the biased variance of each example.
/// </summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    private readonly int[] _dims;

    /// <summary>Normalises over the last dimension, of size <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(int normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true)
        : this([normalizedShape], eps, elementwiseAffine) { }

    /// <summary>Creates the layer.</summary>
    /// <param name="normalizedShape">The shape of the trailing dimensions to normalise over.</param>
    /// <param name="eps">Added to the variance for stability.</param>
    /// <param name="elementwiseAffine">Whether to learn a per-element scale γ (weight, init 1) and shift β (bias, init 0).</param>
    public LayerNorm(int[] normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(s => s <= 0))
            throw new ArgumentException($"LayerNorm needs a non-empty normalized shape of positive sizes, got [{string.Join(", ", normalizedShape)}].", nameof(normalizedShape));
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        _dims = Enumerable.Range(-normalizedShape.Length, normalizedShape.Length).ToArray();
        if (elementwiseAffine)
        {
            Weight = Register("weight", new Parameter(Tensor.Ones(normalizedShape)));
            Bias = Register("bias", new Parameter(Tensor.Zeros(normalizedShape)));
        }
    }

    /// <summary>The shape of the normalised trailing dimensions.</summary>
    public IReadOnlyList<int> NormalizedShape { get; }

    /// <summary>Added to the variance for stability.</summary>
    public float Eps { get; }

    /// <summary>The scale γ, or null without affine parameters.</summary>
    public Parameter? Weight { get; }

    /// <summary>The shift β, or null without affine parameters.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int k = NormalizedShape.Count;
        bool ok = input.Rank >= k;
        for (int i = 0; ok && i < k; i++) ok = input.ShapeArray[input.Rank - k + i] == NormalizedShape[i];
        if (!ok)
            throw new ArgumentException(
                $"LayerNorm expects inputs whose trailing dimensions are [{string.Join(", ", NormalizedShape)}], got shape {ShapeUtil.Format(input.ShapeArray)}.", nameof(input));
        var mean = input.Mean(_dims, keepDim: true);
        var variance = input.Var(_dims, correction: 0, keepDim: true);
        var y = (input - mean) * (variance + Eps).Rsqrt();
        return Weight is null ? y : y * Weight + Bias!;
    }

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"({string.Join(", ", NormalizedShape)},), eps={Eps}, elementwise_affine={(Weight is not null ? "True" : "False")}";
}
