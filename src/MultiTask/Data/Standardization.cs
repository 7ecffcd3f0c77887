namespace MultiTask.Data;

/// <summary>A fitted standardisation <c>z = (x - Mean) / Std</c>.</summary>
/// <param name="Mean">The training mean.</param>
/// <param name="Std">The training population standard deviation (1 when the values were constant).</param>
public readonly record struct Standardization(double Mean, double Std)
{
    /// <summary>
    /// The relative spread below which values count as constant: <c>Std ≤ ConstantTolerance·|Mean|</c>
    /// (or <c>Std = 0</c>). Relative, so that a feature or target measured in tiny units (around 1e-13,
    /// or scaled by 1e-30) keeps its variation, while a constant column whose mean picked up rounding
    /// error is still recognised.
    /// </summary>
    internal const double ConstantTolerance = 1e-12;

    /// <summary>Maps a value in user units to standard units.</summary>
    public double Apply(double x)
    {
        double z = (x - Mean) / Std;
        // x − Mean can overflow when both lie near ±double.MaxValue although z itself is small.
        return double.IsInfinity(z) && double.IsFinite(x) ? x / Std - Mean / Std : z;
    }

    /// <summary>Maps a value in standard units back to user units.</summary>
    public double Invert(double z) => z * Std + Mean;

    /// <summary>
    /// The mean and population standard deviation of the non-NaN values (identity when there are none;
    /// <c>Std = 1</c> when they are constant, see <see cref="ConstantTolerance"/>).
    /// </summary>
    /// <remarks>
    /// The values are scaled by a power of two near their largest magnitude before summing, so that
    /// finite values up to <see cref="double.MaxValue"/> give a finite mean and standard deviation
    /// (a plain sum of 1e308 and 1e308 is infinite). Power-of-two scaling is exact, so ordinary data gets
    /// bit for bit the statistics of the unscaled two-pass formula.
    /// </remarks>
    internal static Standardization Fit(ReadOnlySpan<double> values)
    {
        double largest = 0;
        long n = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) continue;
            largest = Math.Max(largest, Math.Abs(v));
            n++;
        }
        if (n == 0 || largest == 0) return new Standardization(0, 1);
        int exponent = Math.ILogB(largest);
        double sum = 0;
        foreach (double v in values)
            if (!double.IsNaN(v)) sum += Math.ScaleB(v, -exponent);
        double scaledMean = sum / n;
        double sumSq = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) continue;
            double d = Math.ScaleB(v, -exponent) - scaledMean;
            sumSq += d * d;
        }
        double mean = Math.ScaleB(scaledMean, exponent);
        double std = Math.ScaleB(Math.Sqrt(sumSq / n), exponent);
        return new Standardization(mean, std > 0 && std > ConstantTolerance * Math.Abs(mean) ? std : 1.0);
    }
}
