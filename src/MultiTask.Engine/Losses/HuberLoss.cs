using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>
/// Huber loss (PyTorch's <c>nn.HuberLoss</c>): 0.5·d² where |d| &lt; δ, else δ·(|d| - 0.5·δ), with d = x - y.
/// It equals δ times <see cref="SmoothL1Loss"/> with β = δ.
/// </summary>
public sealed class HuberLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="delta">Where the loss changes from quadratic to linear (positive).</param>
    /// <param name="reduction">How per-element losses are reduced (default mean).</param>
    public HuberLoss(float delta = 1f, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), $"HuberLoss: delta must be positive, got {delta}.");
        Delta = delta;
    }

    /// <summary>Where the loss changes from quadratic to linear.</summary>
    public float Delta { get; }

    /// <inheritdoc />
    protected override Tensor Elementwise(Tensor input, Tensor target)
    {
        var abs = (input - target).Abs();
        return Tensor.Where(abs.Lt(Delta), abs.Square() * 0.5f, (abs - 0.5f * Delta) * Delta);
    }
}
