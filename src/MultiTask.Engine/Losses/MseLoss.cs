using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>Squared error (x - y)² (PyTorch's <c>nn.MSELoss</c>).</summary>
/// <param name="reduction">How per-element losses are reduced (default mean).</param>
public sealed class MseLoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc />
    protected override Tensor Elementwise(Tensor input, Tensor target) => (input - target).Square();

    // The masked mean a multi-task trainer computes for every regression task and batch.
    private protected override Tensor? FusedForward(Tensor input, Tensor target, Tensor? weight) =>
        Reduction == Reduction.Mean && weight is not null ? Tensor.MaskedMseMean(input, target, weight) : null;
}
