using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// Inverted dropout (PyTorch's <c>nn.Dropout</c>): in training, zeroes each element with probability
/// <see cref="P"/> and scales the rest by 1/(1-p) so that the expected value is unchanged; in evaluation
/// (after <see cref="Module.Eval"/>, or inside <see cref="Module.EvaluationScope"/>), returns the input unchanged.
/// </summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing an element, in [0, 1].</param>
    /// <param name="generator">The random source for the masks (default <see cref="Generator.Default"/>).</param>
    public Dropout(float p = 0.5f, Generator? generator = null)
    {
        if (!(p >= 0f && p <= 1f))
            throw new ArgumentOutOfRangeException(nameof(p), $"Dropout probability has to be between 0 and 1, but got {p}.");
        P = p;
        _generator = generator;
    }

    /// <summary>The probability of zeroing an element.</summary>
    public float P { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!BehavesAsTraining || P == 0f) return input;
        // p = 1 zeroes everything (and every gradient), as PyTorch does, instead of dividing by zero.
        var mask = Tensor.ZerosLike(input);
        if (P < 1f)
        {
            var g = _generator ?? Generator.Default;
            float scale = 1f / (1f - P);
            var data = mask.Data;
            for (int i = 0; i < data.Length; i++) data[i] = g.NextDouble() >= P ? scale : 0f;
        }
        return input * mask;
    }

    /// <inheritdoc />
    protected override string ExtraRepr() => $"p={P}";
}
