using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>Absolute error |x - y| (PyTorch's <c>nn.L1Loss</c>); its gradient at 0 is 0.</summary>
/// <param name="reduction">How per-element losses are reduced (default mean).</param>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc />
    protected override Tensor Elementwise(Tensor input, Tensor target) => (input - target).Abs();
}
