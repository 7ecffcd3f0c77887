using MultiTask.Engine.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MultiTask.Engine.Optim;

/// <summary>Gradient clipping (PyTorch's <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>).</summary>
public static class GradClip
{
    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their joint norm (as
    /// if concatenated into one vector) is at most <paramref name="maxNorm"/>. Parameters without a
    /// gradient are ignored.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest allowed norm; non-negative.</param>
    /// <param name="normType">The p of the p-norm (positive), or <see cref="double.PositiveInfinity"/> for the largest magnitude.</param>
    /// <param name="errorIfNonfinite">Throw instead of scaling when the norm is NaN or infinite.</param>
    /// <returns>The joint norm before clipping (0 when no parameter has a gradient).</returns>
    /// <remarks>The scale is maxNorm / (norm + 1e-6), capped at 1, as in PyTorch, so gradients are always multiplied.</remarks>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be non-negative.");
        if (!(normType > 0))
            throw new ArgumentOutOfRangeException(nameof(normType), normType, "normType must be positive (use double.PositiveInfinity for the max norm).");
        var grads = new List<Tensor>();
        foreach (var p in parameters)
        {
            if (p?.GradValue is { } g) grads.Add(g);
        }
        if (grads.Count == 0) return 0;

        float total;
        if (double.IsPositiveInfinity(normType))
        {
            total = 0;
            foreach (var g in grads)
            {
                if (g.Numel == 0) continue;
                float m = MathF.Abs(TensorPrimitives.MaxMagnitude<float>(g.AsSpan()));
                total = float.IsNaN(m) || float.IsNaN(total) ? float.NaN : MathF.Max(total, m);
            }
        }
        else
        {
            // Each tensor's norm is rounded to float32 before the norm of norms, as torch.stack of per-tensor norms does.
            double acc = 0;
            foreach (var g in grads)
            {
                float n = TensorNorm(g.AsSpan(), normType);
                acc += PowAbs(n, normType);
            }
            total = (float)Root(acc, normType);
        }

        if (errorIfNonfinite && !float.IsFinite(total))
            throw new InvalidOperationException(
                $"The total norm of order {normType} for gradients from the parameters is non-finite, so it cannot be clipped. " +
                "To disable this error and scale the gradients by the non-finite norm anyway, pass errorIfNonfinite: false.");

        float coef = 1f / (total + 1e-6f) * (float)maxNorm;
        if (coef > 1f) coef = 1f;
        foreach (var g in grads)
            TensorPrimitives.Multiply(g.AsSpan(), coef, g.AsSpan());
        return total;
    }

    /// <summary>Clamps every gradient element of <paramref name="parameters"/> into [−clipValue, clipValue] in place.</summary>
    /// <param name="parameters">The parameters whose gradients are clipped; those without a gradient are ignored.</param>
    /// <param name="clipValue">The largest allowed magnitude; non-negative.</param>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0))
            throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "clipValue must be non-negative.");
        float c = (float)clipValue;
        foreach (var p in parameters)
        {
            if (p?.GradValue is not { } g) continue;
            var s = g.AsSpan();
            TensorPrimitives.Clamp(s, -c, c, s);
        }
    }

    private static float TensorNorm(ReadOnlySpan<float> x, double p)
    {
        if (p == 2) return (float)Math.Sqrt(SumOfSquares(x));
        if (p == 1)
        {
            double s = 0;
            foreach (float v in x) s += Math.Abs(v);
            return (float)s;
        }
        double acc = 0;
        foreach (float v in x) acc += PowAbs(v, p);
        return (float)Root(acc, p);
    }

    private static double SumOfSquares(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (float v in x) s += (double)v * v;
        return s;
    }

    private static double PowAbs(double v, double p) => p == 2 ? v * v : p == 1 ? Math.Abs(v) : Math.Pow(Math.Abs(v), p);

    private static double Root(double acc, double p) => p == 2 ? Math.Sqrt(acc) : p == 1 ? acc : Math.Pow(acc, 1 / p);
}
