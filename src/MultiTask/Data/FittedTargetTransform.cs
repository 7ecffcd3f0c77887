using MultiTask.Tasks;

namespace MultiTask.Data;

/// <summary>
/// The fitted target transform of one regression task: an optional log or Yeo-Johnson step, then a
/// standardisation (shared by the tasks of a <see cref="TaskSpec.TargetGroup"/>). <see cref="Apply"/>
/// maps user units to training units and <see cref="Invert"/> maps back exactly.
/// </summary>
public sealed class FittedTargetTransform
{
    internal FittedTargetTransform(TargetTransform kind, double lambda, Standardization? standardization, string? group)
    {
        Kind = kind;
        Lambda = lambda;
        Standardization = standardization;
        Group = group;
    }

    /// <summary>The transform.</summary>
    public TargetTransform Kind { get; }

    /// <summary>The Yeo-Johnson λ fitted by maximum likelihood; NaN for other transforms.</summary>
    public double Lambda { get; }

    /// <summary>The standardisation step (after the log or Yeo-Johnson step); null for <see cref="TargetTransform.None"/>.</summary>
    public Standardization? Standardization { get; }

    /// <summary>The <see cref="TaskSpec.TargetGroup"/> whose pooled labels fitted the statistics, or null.</summary>
    public string? Group { get; }

    /// <summary>Maps a label in user units to training units (NaN for a non-positive label under <see cref="TargetTransform.Log"/>).</summary>
    public double Apply(double y)
    {
        double v = Kind switch
        {
            TargetTransform.Log => y > 0 ? Math.Log(y) : double.NaN,
            TargetTransform.YeoJohnson => YeoJohnson(y, Lambda),
            _ => y,
        };
        return Standardization is { } s ? s.Apply(v) : v;
    }

    /// <summary>Maps a value in training units (a prediction) back to user units.</summary>
    public double Invert(double z)
    {
        double v = Standardization is { } s ? s.Invert(z) : z;
        return Kind switch
        {
            TargetTransform.Log => Math.Exp(v),
            TargetTransform.YeoJohnson => InverseYeoJohnson(v, Lambda),
            _ => v,
        };
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Kind}{(Kind == TargetTransform.YeoJohnson ? $"(λ = {Lambda:G6})" : "")}{(Standardization is { } s ? $", mean {s.Mean:G6}, std {s.Std:G6}" : "")}{(Group is null ? "" : $", group '{Group}'")}";

    /// <summary>The Yeo-Johnson transform ψ(y, λ).</summary>
    internal static double YeoJohnson(double y, double lambda)
    {
        if (y >= 0)
            return Math.Abs(lambda) < 1e-12 ? Math.Log(y + 1) : (Math.Pow(y + 1, lambda) - 1) / lambda;
        double mu = 2 - lambda;
        return Math.Abs(mu) < 1e-12 ? -Math.Log(1 - y) : -(Math.Pow(1 - y, mu) - 1) / mu;
    }

    /// <summary>
    /// The inverse of <see cref="YeoJohnson"/>; ψ keeps the sign of y, so the branch follows the sign of
    /// the value. A value beyond the transform's range (possible for a prediction) maps to ±∞.
    /// </summary>
    internal static double InverseYeoJohnson(double v, double lambda)
    {
        if (v >= 0)
        {
            if (Math.Abs(lambda) < 1e-12) return Math.Exp(v) - 1;
            double b = lambda * v + 1;
            return b > 0 ? Math.Pow(b, 1 / lambda) - 1 : double.PositiveInfinity;
        }
        double mu = 2 - lambda;
        if (Math.Abs(mu) < 1e-12) return 1 - Math.Exp(-v);
        double c = 1 - mu * v;
        return c > 0 ? 1 - Math.Pow(c, 1 / mu) : double.NegativeInfinity;
    }

    /// <summary>
    /// The Yeo-Johnson profile log-likelihood of λ (Yeo and Johnson 2000, up to a constant):
    /// <c>−n/2 · ln σ̂²(λ) + (λ − 1) Σ sign(yᵢ) ln(|yᵢ| + 1)</c>, with σ̂² the population variance of ψ(y, λ).
    /// </summary>
    internal static double YeoJohnsonLogLikelihood(IReadOnlyList<double> y, double lambda)
    {
        int n = y.Count;
        double mean = 0, jacobian = 0;
        for (int i = 0; i < n; i++)
        {
            mean += YeoJohnson(y[i], lambda);
            jacobian += Math.Sign(y[i]) * Math.Log(Math.Abs(y[i]) + 1);
        }
        mean /= n;
        double variance = 0;
        for (int i = 0; i < n; i++)
        {
            double d = YeoJohnson(y[i], lambda) - mean;
            variance += d * d;
        }
        variance /= n;
        return -0.5 * n * Math.Log(variance) + (lambda - 1) * jacobian;
    }

    /// <summary>
    /// The maximum-likelihood λ on [−5, 5]: the best point of a grid of step 0.25, refined by a
    /// golden-section search between its neighbours (the likelihood need not be concave, so a grid
    /// comes first). Fewer than two labels or constant labels give λ = 1, the identity.
    /// </summary>
    internal static double FitYeoJohnsonLambda(IReadOnlyList<double> y)
    {
        const double low = -5, high = 5, step = 0.25;
        if (y.Count < 2 || y.All(v => v == y[0])) return 1.0;
        double best = 1.0, bestValue = double.NegativeInfinity;
        for (double lambda = low; lambda <= high + 1e-9; lambda += step)
        {
            double value = YeoJohnsonLogLikelihood(y, lambda);
            if (value > bestValue) (best, bestValue) = (lambda, value);
        }
        double a = Math.Max(low, best - step), b = Math.Min(high, best + step);
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double c = b - ratio * (b - a), d = a + ratio * (b - a);
        double fc = YeoJohnsonLogLikelihood(y, c), fd = YeoJohnsonLogLikelihood(y, d);
        while (b - a > 1e-7)
        {
            if (fc >= fd)
            {
                (b, d, fd) = (d, c, fc);
                c = b - ratio * (b - a);
                fc = YeoJohnsonLogLikelihood(y, c);
            }
            else
            {
                (a, c, fc) = (c, d, fd);
                d = a + ratio * (b - a);
                fd = YeoJohnsonLogLikelihood(y, d);
            }
        }
        double refined = (a + b) / 2;
        return YeoJohnsonLogLikelihood(y, refined) >= bestValue ? refined : best;
    }
}
