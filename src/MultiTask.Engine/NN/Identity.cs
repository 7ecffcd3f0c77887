using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>Returns its input unchanged (PyTorch's <c>nn.Identity</c>), e.g. to switch a layer off.</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input;
}
