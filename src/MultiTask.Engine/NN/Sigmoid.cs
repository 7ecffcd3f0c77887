using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>1 / (1 + e⁻ˣ) (PyTorch's <c>nn.Sigmoid</c>).</summary>
public sealed class Sigmoid : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}
