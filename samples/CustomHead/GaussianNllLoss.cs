using MultiTask.Engine.Losses;
using MultiTask.Engine.Tensors;

namespace CustomHead;

/// <summary>
/// The engine's Gaussian negative log-likelihood for a [batch, 2] output (mean, log-variance) against
/// column 0 of the target. The base class applies the label mask and the mean over labelled rows.
/// </summary>
public sealed class MeanLogVarianceNll : Loss
{
    private readonly GaussianNllLoss _nll = new(full: true, reduction: Reduction.None);

    public MeanLogVarianceNll() : base(Reduction.Mean)
    {
    }

    protected override int[] ElementShape(Tensor input, Tensor target)
    {
        if (input.Rank != 2 || input.Size(1) != 2 || target.Rank != 2 || target.Size(0) != input.Size(0))
            throw new ArgumentException(
                $"MeanLogVarianceNll expects input [batch, 2] and target [batch, k], got [{string.Join(", ", input.Shape)}] and [{string.Join(", ", target.Shape)}].");
        return [input.Size(0), 1];
    }

    protected override Tensor Elementwise(Tensor input, Tensor target) =>
        _nll.Forward(input.Narrow(1, 0, 1), target.Narrow(1, 0, 1), input.Narrow(1, 1, 1).Exp());
}
