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
    /// bit for bit the statistics of the unscaled two-pass formula. This is <see cref="Streaming.RunningMoments"/> over one
    /// chunk, so a streamed fit and an in-memory one share one formula.
    /// </remarks>
    internal static Standardization Fit(ReadOnlySpan<double> values)
    {
        var moments = new Streaming.RunningMoments();
        moments.Add(values);
        return moments.ToStandardization();
    }
}
