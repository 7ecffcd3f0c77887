using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>
/// Smooth L1 (PyTorch's <c>nn.SmoothL1Loss</c>): 0.5·d²/β where |d| &lt; β, else |d| - 0.5·β, with d = x - y;
/// β = 0 is the L1 loss.
/// </summary>
public sealed class SmoothL1Loss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="beta">Where the loss changes from quadratic to linear (non-negative).</param>
    /// <param name="reduction">How per-element losses are reduced (default mean).</param>
    public SmoothL1Loss(float beta = 1f, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        if (!(beta >= 0)) throw new ArgumentOutOfRangeException(nameof(beta), $"SmoothL1Loss: beta must be non-negative, got {beta}.");
        Beta = beta;
    }

    /// <summary>Where the loss changes from quadratic to linear.</summary>
    public float Beta { get; }

    /// <inheritdoc />
    protected override Tensor Elementwise(Tensor input, Tensor target)
    {
        var abs = (input - target).Abs();
        if (Beta == 0f) return abs;
        return Tensor.Where(abs.Lt(Beta), abs.Square() * (0.5f / Beta), abs - 0.5f * Beta);
    }
}
