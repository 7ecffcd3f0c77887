using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>x for x ≥ 0, else slope·x (PyTorch's <c>nn.LeakyRelu</c>).</summary>
/// <param name="negativeSlope">The slope for negative inputs.</param>
public sealed class LeakyRelu(float negativeSlope = 0.01f) : Module<Tensor, Tensor>
{
    /// <summary>The slope for negative inputs.</summary>
    public float NegativeSlope { get; } = negativeSlope;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.LeakyRelu(NegativeSlope);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"negative_slope={NegativeSlope}";
}
