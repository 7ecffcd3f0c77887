namespace MultiTask.Data.Streaming;

/// <summary>
/// Count, mean and sum of squared deviations of a stream of values, merged chunk by chunk with Chan,
/// Golub and LeVeque's pairwise update; one chunk is the two-pass formula itself (<see cref="Standardization.Fit"/> is
/// one chunk), several match it up to rounding.
/// </summary>
/// <remarks>
/// As in <see cref="Standardization.Fit"/>, values are held scaled by a power of two near the largest
/// magnitude seen so far (rescaled, exactly, when a larger one arrives), so finite values up to
/// <see cref="double.MaxValue"/> give a finite mean and standard deviation.
/// </remarks>
internal sealed class RunningMoments
{
    private long _count;
    private int _exponent = int.MinValue;
    private double _mean, _m2;

    public long Count => _count;

    /// <summary>Adds the non-NaN values of <paramref name="values"/>.</summary>
    public void Add(ReadOnlySpan<double> values)
    {
        double largest = 0;
        long n = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) continue;
            largest = Math.Max(largest, Math.Abs(v));
            n++;
        }
        if (n == 0) return;
        int exponent = largest == 0 ? int.MinValue : Math.ILogB(largest);
        Rescale(Math.Max(_exponent, exponent));
        int e = _exponent == int.MinValue ? 0 : _exponent;
        double sum = 0;
        foreach (double v in values)
            if (!double.IsNaN(v)) sum += Math.ScaleB(v, -e);
        double mean = sum / n, m2 = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) continue;
            double d = Math.ScaleB(v, -e) - mean;
            m2 += d * d;
        }
        Combine(n, mean, m2);
    }

    /// <summary>Adds the values summarised by <paramref name="other"/>.</summary>
    public void Merge(RunningMoments other)
    {
        if (other._count == 0) return;
        Rescale(Math.Max(_exponent, other._exponent));
        double factor = other._exponent == int.MinValue || _exponent == int.MinValue ? 0 : Math.ScaleB(1.0, other._exponent - _exponent);
        Combine(other._count, other._mean * factor, other._m2 * factor * factor);
    }

    /// <summary>The mean and population standard deviation, with <see cref="Standardization.Fit"/>'s rules for no and constant values.</summary>
    public Standardization ToStandardization()
    {
        if (_count == 0 || _exponent == int.MinValue) return new Standardization(0, 1);
        double mean = Math.ScaleB(_mean, _exponent);
        double std = Math.ScaleB(Math.Sqrt(_m2 / _count), _exponent);
        return new Standardization(mean, std > 0 && std > Standardization.ConstantTolerance * Math.Abs(mean) ? std : 1.0);
    }

    private void Combine(long n, double mean, double m2)
    {
        if (_count == 0)
        {
            // The first values' own moments, exactly: one chunk gives Standardization.Fit's two-pass result bit for bit.
            (_count, _mean, _m2) = (n, mean, m2);
            return;
        }
        long total = _count + n;
        double delta = mean - _mean;
        _mean += delta * n / total;
        _m2 += m2 + delta * delta * ((double)_count * n / total);
        _count = total;
    }

    private void Rescale(int exponent)
    {
        if (exponent == _exponent) return;
        if (_exponent != int.MinValue)
        {
            double factor = Math.ScaleB(1.0, _exponent - exponent);
            _mean *= factor;
            _m2 *= factor * factor;
        }
        _exponent = exponent;
    }
}
