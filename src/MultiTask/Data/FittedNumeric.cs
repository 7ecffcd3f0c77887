namespace MultiTask.Data;

/// <summary>The fitted encoding of one numeric feature: log step, then scaling, quantile map or bins.</summary>
internal sealed class FittedNumeric
{
    /// <summary>scikit-learn's <c>QuantileTransformer</c> default: at most this many reference quantiles.</summary>
    internal const int MaxQuantiles = 1000;

    /// <summary>The clipping of the quantile map, as scikit-learn: the CDF stays in [1e-7, 1 − 1e-7], i.e. about ±5.2.</summary>
    private const double Bound = 1e-7;

    internal FittedNumeric(string feature, NumericOptions options, Standardization scaling, double[]? quantiles, double[]? edges)
    {
        Feature = feature;
        Options = options;
        Scaling = scaling;
        Quantiles = quantiles;
        Edges = edges;
    }

    public string Feature { get; }

    public NumericOptions Options { get; }

    /// <summary>Centre and scale of <see cref="NumericEncoding.Standard"/> (mean, std) or <see cref="NumericEncoding.Robust"/> (median, IQR).</summary>
    public Standardization Scaling { get; }

    /// <summary>The reference quantiles of <see cref="NumericEncoding.Quantile"/> at probabilities i / (m − 1).</summary>
    public double[]? Quantiles { get; }

    /// <summary>The distinct, ascending bin edges of <see cref="NumericEncoding.PiecewiseLinear"/> (bins = edges − 1).</summary>
    public double[]? Edges { get; }

    public int Width => Options.Encoding == NumericEncoding.PiecewiseLinear ? Edges!.Length - 1 : 1;

    /// <summary>Fits on the training values (NaN = missing; at least one present).</summary>
    public static FittedNumeric Fit(string feature, NumericOptions options, double[] values)
    {
        var present = new List<double>(values.Length);
        for (int r = 0; r < values.Length; r++)
            if (!double.IsNaN(values[r])) present.Add(Prepare(feature, options, values[r], r, "training"));
        var sorted = present.ToArray();
        // Only the quantile-based encodings need order; the mean and standard deviation do not.
        if (options.Encoding != NumericEncoding.Standard) Array.Sort(sorted);
        return FromDistribution(feature, options, sorted.Length, p => Percentile(sorted, p), () => Standardization.Fit(sorted));
    }

    /// <summary>
    /// Fits from a description of the present (prepared) training values: their count, their linearly
    /// interpolated percentile at p in [0, 1] (exact or from a quantile sketch), and their mean and standard
    /// deviation (asked only for <see cref="NumericEncoding.Standard"/>).
    /// </summary>
    internal static FittedNumeric FromDistribution(string feature, NumericOptions options, long count, Func<double, double> percentile,
        Func<Standardization> standard)
    {
        switch (options.Encoding)
        {
            case NumericEncoding.Robust:
                double iqr = percentile(0.75) - percentile(0.25);
                if (double.IsInfinity(iqr)) throw OutOfRange(feature, "its interquartile range", "NumericEncoding.Standard or Quantile");
                return new FittedNumeric(feature, options, new Standardization(percentile(0.5), iqr > 0 ? iqr : 1), null, null);
            case NumericEncoding.Quantile:
                int m = (int)Math.Min(MaxQuantiles, count);
                var q = m == 1 ? [percentile(0)] : Enumerable.Range(0, m).Select(i => percentile(i / (double)(m - 1))).ToArray();
                return new FittedNumeric(feature, options, new Standardization(0, 1), q, null);
            case NumericEncoding.PiecewiseLinear:
                var edges = new List<double>();
                for (int i = 0; i <= options.Bins; i++)
                {
                    double e = percentile(i / (double)options.Bins);
                    if (edges.Count == 0 || e > edges[^1]) edges.Add(e);
                }
                // A constant feature still gets one (unit-wide) bin so the encoding is defined; beyond 2^53
                // adding 1 changes nothing, so the bin is then one unit in the last place wide.
                if (edges.Count == 1) edges.Add(edges[0] + 1 > edges[0] ? edges[0] + 1 : Math.BitIncrement(edges[0]));
                for (int i = 1; i < edges.Count; i++)
                    if (!double.IsFinite(edges[i] - edges[i - 1]))
                        throw OutOfRange(feature, $"the width of its bin {i - 1}", "NumericEncoding.Standard or Quantile");
                return new FittedNumeric(feature, options, new Standardization(0, 1), null, [.. edges]);
            default:
                return new FittedNumeric(feature, options, standard(), null, null);
        }
    }

    private static ArgumentException OutOfRange(string feature, string what, string alternative) => new(
        $"Numeric feature '{feature}' has training values so far apart that {what} exceeds the double range (about ±1.8e308). " +
        $"Rescale the column, use NumericOptions.Log, or use {alternative}.",
        "data");

    /// <summary>Applies the log step, rejecting values it cannot take.</summary>
    public static double Prepare(string feature, NumericOptions options, double value, int row, string split)
    {
        if (!options.Log) return value;
        if (value < 0)
            throw new ArgumentException(
                $"Numeric feature '{feature}' uses the log step (NumericOptions.Log) but its value in {split} row {row} is {value}; log(1 + x) needs non-negative values. Fix the value or drop Log for this feature.",
                "data");
        return Math.Log(1 + value);
    }

    /// <summary>Writes the encoding of a present value (already through <see cref="Prepare"/>) into <paramref name="destination"/>[0..Width).</summary>
    public void Encode(double x, Span<float> destination)
    {
        switch (Options.Encoding)
        {
            case NumericEncoding.Quantile:
                destination[0] = (float)QuantileMap(x);
                return;
            case NumericEncoding.PiecewiseLinear:
                var edges = Edges!;
                int bins = edges.Length - 1;
                for (int t = 0; t < bins; t++)
                {
                    double e = (x - edges[t]) / (edges[t + 1] - edges[t]);
                    // rtdl_num_embeddings: first bin clamp_max(1), last clamp_min(0), inner clamp(0, 1).
                    if (bins > 1)
                        e = t == 0 ? Math.Min(e, 1) : t == bins - 1 ? Math.Max(e, 0) : Math.Clamp(e, 0, 1);
                    destination[t] = (float)e;
                }
                return;
            default:
                destination[0] = (float)Scaling.Apply(x);
                return;
        }
    }

    /// <summary>Empirical CDF by interpolation, averaged from both sides so a tied value sits mid-step, then Φ⁻¹.</summary>
    private double QuantileMap(double x)
    {
        var q = Quantiles!;
        int m = q.Length;
        if (q[0] == q[m - 1]) return 0;
        double step = 1.0 / (m - 1);
        // Forward: from the last reference at or below x.
        int hi = UpperBound(q, x) - 1;
        double forward = hi < 0 ? 0 : hi == m - 1 ? 1 : (hi + (x - q[hi]) / (q[hi + 1] - q[hi])) * step;
        // Backward: from the first reference at or above x.
        int lo = LowerBound(q, x);
        double backward = lo == m ? 1 : lo == 0 ? 0 : (lo - 1 + (x - q[lo - 1]) / (q[lo] - q[lo - 1])) * step;
        double p = Math.Clamp((forward + backward) / 2, Bound, 1 - Bound);
        return InverseNormalCdf(p);
    }

    /// <summary>The linearly interpolated percentile of sorted values (NumPy's default, <c>method="linear"</c>).</summary>
    internal static double Percentile(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        if (lo >= sorted.Length - 1) return sorted[^1];
        double t = h - lo, span = sorted[lo + 1] - sorted[lo];
        // The difference of two finite values near ±double.MaxValue overflows; the weighted mean does not.
        return double.IsInfinity(span) ? sorted[lo] * (1 - t) + sorted[lo + 1] * t : sorted[lo] + t * span;
    }

    /// <summary>The first index of sorted <paramref name="a"/> whose value is not below <paramref name="x"/>.</summary>
    internal static int LowerBound(double[] a, double x)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static int UpperBound(double[] a, double x)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Φ⁻¹(p), Wichura's algorithm AS241 (1988), accurate to about 1e-16.</summary>
    internal static double InverseNormalCdf(double p)
    {
        double q = p - 0.5;
        if (Math.Abs(q) <= 0.425)
        {
            double r = 0.180625 - q * q;
            double num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r + 6.7265770927008700853e+4) * r
                + 4.5921953931549871457e+4) * r + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
                + 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) * q;
            double den = ((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r + 3.9307895800092710610e+4) * r
                + 2.1213794301586595867e+4) * r + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
                + 4.2313330701600911252e+1) * r + 1.0;
            return num / den;
        }
        double s = Math.Sqrt(-Math.Log(q <= 0 ? p : 1 - p));
        double n, d;
        if (s <= 5)
        {
            s -= 1.6;
            n = ((((((7.74545014278341407640e-4 * s + 2.27238449892691845833e-2) * s + 2.41780725177450611770e-1) * s
                + 1.27045825245236838258e+0) * s + 3.64784832476320460504e+0) * s + 5.76949722146069140550e+0) * s
                + 4.63033784615654529590e+0) * s + 1.42343711074968357734e+0;
            d = ((((((1.05075007164441684324e-9 * s + 5.47593808499534494600e-4) * s + 1.51986665636164571966e-2) * s
                + 1.48103976427480074590e-1) * s + 6.89767334985100004550e-1) * s + 1.67638483018380384940e+0) * s
                + 2.05319162663775882187e+0) * s + 1.0;
        }
        else
        {
            s -= 5;
            n = ((((((2.01033439929228813265e-7 * s + 2.71155556874348757815e-5) * s + 1.24266094738807843860e-3) * s
                + 2.65321895265761230930e-2) * s + 2.96560571828504891230e-1) * s + 1.78482653991729133580e+0) * s
                + 5.46378491116411436990e+0) * s + 6.65790464350110377720e+0;
            d = ((((((2.04426310338993978564e-15 * s + 1.42151175831644588870e-7) * s + 1.84631831751005468180e-5) * s
                + 7.86869131145613259100e-4) * s + 1.48753612908506148525e-2) * s + 1.36929880922735805310e-1) * s
                + 5.99832206555887937690e-1) * s + 1.0;
        }
        double x = n / d;
        return q < 0 ? -x : x;
    }
}
