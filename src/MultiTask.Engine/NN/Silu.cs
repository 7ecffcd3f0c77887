using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>x·σ(x), also called swish (PyTorch's <c>nn.Silu</c>).</summary>
public sealed class Silu : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Silu();
}
