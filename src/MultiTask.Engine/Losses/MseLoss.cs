using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>Squared error (x - y)² (PyTorch's <c>nn.MSELoss</c>).</summary>
/// <param name="reduction">How per-element losses are reduced (default mean).</param>
public sealed class MseLoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc />
    protected override Tensor Elementwise(Tensor input, Tensor target) => (input - target).Square();
}
