namespace MultiTask.Data;

/// <summary>A fitted standardisation <c>z = (x - Mean) / Std</c>.</summary>
/// <param name="Mean">The training mean.</param>
/// <param name="Std">The training population standard deviation (1 when the values were constant).</param>
public readonly record struct Standardization(double Mean, double Std)
{
    /// <summary>Maps a value in user units to standard units.</summary>
    public double Apply(double x) => (x - Mean) / Std;

    /// <summary>Maps a value in standard units back to user units.</summary>
    public double Invert(double z) => z * Std + Mean;

    internal static Standardization Fit(IEnumerable<double> values)
    {
        double sum = 0, sumSq = 0;
        long n = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) continue;
            sum += v;
            n++;
        }
        if (n == 0) return new Standardization(0, 1);
        double mean = sum / n;
        foreach (double v in values)
            if (!double.IsNaN(v)) sumSq += (v - mean) * (v - mean);
        double std = Math.Sqrt(sumSq / n);
        return new Standardization(mean, std > 1e-12 * Math.Max(1.0, Math.Abs(mean)) ? std : 1.0);
    }
}
