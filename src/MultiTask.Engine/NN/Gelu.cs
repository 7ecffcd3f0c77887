using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>x·Φ(x), Φ the standard normal CDF (PyTorch's <c>nn.GELU</c>), optionally with the tanh approximation.</summary>
/// <param name="tanhApproximation">Use 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (PyTorch's <c>approximate="tanh"</c>).</param>
public sealed class Gelu(bool tanhApproximation = false) : Module<Tensor, Tensor>
{
    /// <summary>Whether the tanh approximation is used.</summary>
    public bool TanhApproximation { get; } = tanhApproximation;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Gelu(TanhApproximation);

    /// <inheritdoc />
    protected override string ExtraRepr() => TanhApproximation ? "approximate=tanh" : "";
}
