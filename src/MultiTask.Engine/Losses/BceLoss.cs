using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>
/// Binary cross-entropy on probabilities (PyTorch's <c>nn.BCELoss</c>):
/// -w·(y·log x + (1 - y)·log(1 - x)), each log clamped at -100 as PyTorch does so that x = 0 or 1 stays finite.
/// Prefer <see cref="BceWithLogitsLoss"/>, which is numerically stable.
/// </summary>
/// <remarks>
/// The gradient is that of the clamped formula. It equals PyTorch's wherever x·(1 - x) &gt; 1e-12; at the
/// clamped edges (x = 0 or 1, or a log below -100) it is 0, where PyTorch's fused kernel returns
/// (x - y) / 1e-12.
/// </remarks>
public sealed class BceLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">
    /// Optional rescaling weight broadcast to the input (PyTorch's <c>weight</c>); unlike the per-call
    /// weight of <see cref="Loss.Forward"/>, it does not change the mean's denominator.
    /// </param>
    /// <param name="reduction">How per-element losses are reduced (default mean).</param>
    public BceLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : base(reduction) => Weight = weight;

    /// <summary>The rescaling weight, or null.</summary>
    public Tensor? Weight { get; }

    /// <inheritdoc />
    protected override void ValidateValues(Tensor input, Tensor target)
    {
        foreach (float v in input.AsSpan())
        {
            if (!(v >= 0f && v <= 1f))
                throw new ArgumentException($"BceLoss: every input must be a probability in [0, 1], got {v}; apply Sigmoid first or use BceWithLogitsLoss.", nameof(input));
        }
    }

    /// <inheritdoc />
    protected override Tensor Elementwise(Tensor input, Tensor target)
    {
        var loss = -(target * ClampedLog(input) + (1f - target) * ClampedLog(1f - input));
        return Weight is null ? loss : loss * Weight;
    }

    /// <summary>max(log x, -100), whose gradient at x = 0 is 0 rather than 0·∞ = NaN.</summary>
    private static Tensor ClampedLog(Tensor x)
    {
        var positive = x.Detach().Gt(0f);
        var safe = Tensor.Where(positive, x, Tensor.Scalar(1f));
        return Tensor.Where(positive, safe.Log().ClampMin(-100f), Tensor.Scalar(-100f));
    }
}
