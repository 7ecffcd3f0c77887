using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>max(x, 0) element-wise (PyTorch's <c>nn.Relu</c>).</summary>
public sealed class Relu : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Relu();
}
