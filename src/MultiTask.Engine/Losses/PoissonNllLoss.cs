using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>
/// Negative log-likelihood of a Poisson target (PyTorch's <c>nn.PoissonNLLLoss</c>): e^x - y·x for
/// log-rate inputs, or x - y·log(x + eps) for rate inputs; <c>full</c> adds Stirling's approximation
/// y·log y - y + ½·log(2πy) for targets above 1.
/// </summary>
/// <param name="logInput">Whether the input is the log of the rate (default) or the rate itself.</param>
/// <param name="full">Whether to add the Stirling term.</param>
/// <param name="eps">Added to the rate before the log when <paramref name="logInput"/> is false.</param>
/// <param name="reduction">How per-element losses are reduced (default mean).</param>
public sealed class PoissonNllLoss(bool logInput = true, bool full = false, float eps = 1e-8f, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>Whether the input is a log-rate.</summary>
    public bool LogInput { get; } = logInput;

    /// <summary>Whether the Stirling term is added.</summary>
    public bool Full { get; } = full;

    /// <summary>Added to the rate before the log when <see cref="LogInput"/> is false.</summary>
    public float Eps { get; } = eps;

    /// <inheritdoc />
    protected override Tensor Elementwise(Tensor input, Tensor target)
    {
        var loss = LogInput ? input.Exp() - target * input : input - target * (input + Eps).Log();
        if (!Full) return loss;
        var above = target.Gt(1f);
        // Evaluate Stirling's term on a safe copy so that targets ≤ 1 (where it is not used) never produce NaN.
        var t = Tensor.Where(above, target, Tensor.Scalar(2f));
        var stirling = t * t.Log() - t + (t * (2f * MathF.PI)).Log() * 0.5f;
        return loss + Tensor.Where(above, stirling, Tensor.Scalar(0f));
    }
}
