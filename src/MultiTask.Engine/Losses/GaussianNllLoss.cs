using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Losses;

/// <summary>
/// Negative log-likelihood of a Gaussian target with predicted mean and variance (PyTorch's
/// <c>nn.GaussianNLLLoss</c>): ½·(log max(var, eps) + (x - y)² / max(var, eps)), plus ½·log 2π when
/// <see cref="Full"/>. Call <see cref="Forward(Tensor, Tensor, Tensor, Tensor?)"/> with the variance.
/// </summary>
/// <remarks>
/// The variance may have the input's shape, or the input's shape without (or with size 1 in) the last
/// dimension for one variance shared by a row. As in PyTorch, the clamp at eps does not stop the gradient
/// with respect to the variance.
/// </remarks>
/// <param name="full">Whether to add the constant ½·log 2π.</param>
/// <param name="eps">The lower clamp on the variance, for stability.</param>
/// <param name="reduction">How per-element losses are reduced (default mean).</param>
public sealed class GaussianNllLoss(bool full = false, float eps = 1e-6f, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>Whether the constant term is added.</summary>
    public bool Full { get; } = full;

    /// <summary>The lower clamp on the variance.</summary>
    public float Eps { get; } = eps;

    /// <summary>Computes the loss of mean <paramref name="input"/> and <paramref name="variance"/> against <paramref name="target"/>.</summary>
    /// <param name="input">The predicted means.</param>
    /// <param name="target">The targets, with the input's shape.</param>
    /// <param name="variance">The predicted variances (non-negative); see the class remarks for allowed shapes.</param>
    /// <param name="weight">Optional per-element weights; 0 masks an element (see <see cref="Loss"/>).</param>
    /// <returns>The reduced loss, or the per-element losses for <see cref="Reduction.None"/>.</returns>
    public Tensor Forward(Tensor input, Tensor target, Tensor variance, Tensor? weight = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(variance);
        var elementShape = ElementShape(input, target);
        variance = ShapeVariance(input, variance);
        var keep = KeepMask(weight, elementShape);
        if (keep is not null)
        {
            input = Fill(input, keep, 0f);
            target = Fill(target, keep, 0f);
            variance = Tensor.Where(keep, variance, Tensor.Scalar(1f));
        }
        foreach (float v in variance.AsSpan())
        {
            if (!(v >= 0f)) throw new ArgumentException($"GaussianNllLoss: every variance must be non-negative, got {v}.", nameof(variance));
        }
        // Clamp a copy in place so that, as in PyTorch, the clamp is invisible to autograd.
        var clamped = variance.Clone();
        var data = clamped.AsSpan();
        for (int i = 0; i < data.Length; i++) data[i] = Math.Max(data[i], Eps);
        var loss = (clamped.Log() + (input - target).Square() / clamped) * 0.5f;
        if (Full) loss = loss + 0.5f * MathF.Log(2f * MathF.PI);
        return Reduce(loss, null, weight, keep);
    }

    /// <summary>Not supported: the Gaussian likelihood needs a variance.</summary>
    /// <exception cref="InvalidOperationException">Always.</exception>
    protected override Tensor Elementwise(Tensor input, Tensor target) =>
        throw new InvalidOperationException("GaussianNllLoss needs the predicted variance: call Forward(input, target, variance, weight).");

    private static Tensor ShapeVariance(Tensor input, Tensor variance)
    {
        var i = input.ShapeArray;
        var v = variance.ShapeArray;
        if (ShapeUtil.SameShape(i, v)) return variance;
        if (i.Length > 0 && ShapeUtil.SameShape(i.AsSpan(0, i.Length - 1), v)) return variance.Unsqueeze(-1);
        if (i.Length > 0 && v.Length == i.Length && v[^1] == 1 && ShapeUtil.SameShape(i.AsSpan(0, i.Length - 1), v.AsSpan(0, v.Length - 1)))
            return variance;
        throw new ArgumentException(
            $"GaussianNllLoss: the variance shape {ShapeUtil.Format(v)} does not fit the input shape {ShapeUtil.Format(i)}; " +
            "it must equal it, or drop the last dimension, or have size 1 there.", nameof(variance));
    }
}
