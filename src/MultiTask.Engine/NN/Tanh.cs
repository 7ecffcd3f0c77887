using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>The hyperbolic tangent (PyTorch's <c>nn.Tanh</c>).</summary>
public sealed class Tanh : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Tanh();
}
