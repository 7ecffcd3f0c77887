using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>
/// Binary cross-entropy on logits (PyTorch's <c>nn.BCEWithLogitsLoss</c>):
/// -w·(p·y·log σ(x) + (1 - y)·log(1 - σ(x))), computed in the stable form
/// (1 - y)·x + (1 + (p - 1)·y)·(log(1 + e^(-|x|)) + max(-x, 0)).
/// </summary>
public sealed class BceWithLogitsLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional rescaling weight broadcast to the input; it does not change the mean's denominator.</param>
    /// <param name="posWeight">Optional weight p of positive examples, broadcast along the last (class) dimension.</param>
    /// <param name="reduction">How per-element losses are reduced (default mean).</param>
    public BceWithLogitsLoss(Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        Weight = weight;
        PosWeight = posWeight;
    }

    /// <summary>The rescaling weight, or null.</summary>
    public Tensor? Weight { get; }

    /// <summary>The weight of positive examples, or null.</summary>
    public Tensor? PosWeight { get; }

    /// <inheritdoc />
    protected override Tensor Elementwise(Tensor input, Tensor target)
    {
        var maxVal = (-input).ClampMin(0f);
        var logTerm = ((-maxVal).Exp() + (-input - maxVal).Exp()).Log() + maxVal;
        var loss = PosWeight is null
            ? (1f - target) * input + logTerm
            : (1f - target) * input + ((PosWeight - 1f) * target + 1f) * logTerm;
        return Weight is null ? loss : loss * Weight;
    }
}
