namespace MultiTask.Data.Streaming;

/// <summary>
/// A mergeable quantile sketch (KLL: Karnin, Lang and Liberty, "Optimal Quantile Approximation in
/// Streams", FOCS 2016) over doubles: bounded memory whatever the number of values, and quantiles whose
/// rank is within <see cref="RankErrorBound"/> of the requested one.
/// </summary>
/// <remarks>
/// <para>The sketch keeps levels of compactors; an item at level h stands for 2^h values. When the
/// levels outgrow their capacities (<c>k</c> at the top, shrinking by 2/3 per level below, at least 2),
/// the lowest full level is sorted and every other item, starting at a random offset, moves one level up.
/// It holds at most about <c>3k</c> items: with the default <c>k = 2048</c>, some 50 KB per sketch.</para>
/// <para>Until the first compaction (fewer than about <c>k</c> values) it holds every value, and
/// <see cref="Quantile"/> is exactly NumPy's linear percentile. The smallest and largest values are
/// always exact. The compactions' coin flips come from a fixed seed, so the same values in the same order
/// give the same sketch.</para>
/// </remarks>
public sealed class QuantileSketch
{
    /// <summary>The default accuracy parameter: a rank error of about 0.15% of the count.</summary>
    public const int DefaultK = 2048;

    private const double Shrink = 2.0 / 3.0;
    private readonly List<List<double>> _levels = [[]];
    private ulong _random;
    private bool _compacted;
    // Capacity(0), cached: it changes only when a level is added, and Add checks it for every value.
    private int _firstCapacity;

    /// <summary>Creates an empty sketch.</summary>
    /// <param name="k">The accuracy parameter (16 or more): memory grows with k and the rank error shrinks as about 1/k.</param>
    public QuantileSketch(int k = DefaultK)
    {
        if (k < 16) throw new ArgumentOutOfRangeException(nameof(k), $"k must be at least 16, got {k}.");
        K = k;
        _random = 0x9E3779B97F4A7C15UL ^ (ulong)k;
        _firstCapacity = Capacity(0);
    }

    /// <summary>The accuracy parameter.</summary>
    public int K { get; }

    /// <summary>The number of values added (NaN values are ignored).</summary>
    public long Count { get; private set; }

    /// <summary>The smallest value added (NaN when empty).</summary>
    public double Min { get; private set; } = double.NaN;

    /// <summary>The largest value added (NaN when empty).</summary>
    public double Max { get; private set; } = double.NaN;

    /// <summary>The number of items the sketch holds now (its memory, in doubles).</summary>
    public int RetainedItems => _levels.Sum(l => l.Count);

    /// <summary>
    /// The stated bound on the normalised rank error of <see cref="Quantile"/>: the returned value's rank
    /// among the added values differs from <c>p · Count</c> by at most this fraction of <see cref="Count"/>
    /// (with high probability; 0 while the sketch holds every value). It is <c>2.3 / k^0.97</c>, the
    /// 99%-confidence single-quantile bound measured for KLL sketches (Apache DataSketches), about 0.14% for the default k.
    /// </summary>
    public double RankErrorBound => _compacted ? 2.296 / Math.Pow(K, 0.9723) : 0;

    /// <summary>Adds a value; NaN is ignored.</summary>
    public void Add(double value)
    {
        if (double.IsNaN(value)) return;
        if (Count == 0) Min = Max = value;
        else
        {
            if (value < Min) Min = value;
            if (value > Max) Max = value;
        }
        Count++;
        _levels[0].Add(value);
        if (_levels[0].Count >= _firstCapacity) Compress();
    }

    /// <summary>Adds the values of <paramref name="other"/> (unchanged), as if they had been added to this sketch.</summary>
    /// <param name="other">A sketch with the same <see cref="K"/>.</param>
    public void Merge(QuantileSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.K != K) throw new ArgumentException($"Cannot merge a sketch with k = {other.K} into one with k = {K}.", nameof(other));
        if (other.Count == 0) return;
        if (Count == 0) (Min, Max) = (other.Min, other.Max);
        else (Min, Max) = (Math.Min(Min, other.Min), Math.Max(Max, other.Max));
        Count += other.Count;
        _compacted |= other._compacted;
        while (_levels.Count < other._levels.Count) _levels.Add([]);
        _firstCapacity = Capacity(0);
        for (int h = 0; h < other._levels.Count; h++) _levels[h].AddRange(other._levels[h]);
        Compress();
    }

    /// <summary>
    /// The value at probability <paramref name="p"/>: NumPy's linear percentile (position <c>p · (Count − 1)</c>
    /// between sorted values) while the sketch is exact; afterwards the same interpolation over the sketch's
    /// weighted items, each placed at the middle of the ranks it stands for. <c>p = 0</c> and <c>p = 1</c> give
    /// the exact minimum and maximum.
    /// </summary>
    /// <param name="p">A probability in [0, 1].</param>
    /// <exception cref="InvalidOperationException">The sketch is empty.</exception>
    public double Quantile(double p) => Quantiles([p])[0];

    /// <summary>As <see cref="Quantile"/> for several probabilities at once (sorting the items once).</summary>
    /// <param name="ps">Probabilities in [0, 1].</param>
    /// <exception cref="InvalidOperationException">The sketch is empty.</exception>
    public double[] Quantiles(IReadOnlyList<double> ps)
    {
        ArgumentNullException.ThrowIfNull(ps);
        if (Count == 0) throw new InvalidOperationException("The sketch is empty; add values before asking for quantiles.");
        foreach (double p in ps)
            if (!(p is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(ps), $"Probability {p} is outside [0, 1].");
        if (!_compacted)
        {
            var sorted = _levels[0].ToArray();
            Array.Sort(sorted);
            return ps.Select(p => FittedNumeric.Percentile(sorted, p)).ToArray();
        }
        var (values, centres) = WeightedItems();
        var result = new double[ps.Count];
        for (int i = 0; i < ps.Count; i++)
        {
            double h = ps[i] * (Count - 1);
            // The first item whose centre is at or beyond h, then interpolation from the one before it.
            int hi = FittedNumeric.LowerBound(centres, h);
            if (hi == 0) result[i] = h <= 0 ? Min : Interpolate(Min, 0, values[0], centres[0], h);
            else if (hi == centres.Length) result[i] = h >= Count - 1 ? Max : Interpolate(values[^1], centres[^1], Max, Count - 1, h);
            else result[i] = Interpolate(values[hi - 1], centres[hi - 1], values[hi], centres[hi], h);
        }
        return result;
    }

    /// <summary>The estimated fraction of the added values that are at most <paramref name="x"/>.</summary>
    public double Rank(double x)
    {
        if (Count == 0) throw new InvalidOperationException("The sketch is empty; add values before asking for ranks.");
        long below = 0;
        for (int h = 0; h < _levels.Count; h++)
            foreach (double v in _levels[h])
                if (v <= x) below += 1L << h;
        return (double)below / Count;
    }

    private static double Interpolate(double a, double ra, double b, double rb, double h)
    {
        if (rb <= ra) return b;
        double t = (h - ra) / (rb - ra);
        double span = b - a;
        return double.IsInfinity(span) ? a * (1 - t) + b * t : a + t * span;
    }

    private (double[] Values, double[] Centres) WeightedItems()
    {
        var items = new List<(double Value, long Weight)>(RetainedItems);
        for (int h = 0; h < _levels.Count; h++)
            foreach (double v in _levels[h]) items.Add((v, 1L << h));
        items.Sort((a, b) => a.Value.CompareTo(b.Value));
        var values = new double[items.Count];
        var centres = new double[items.Count];
        // Scale the weights so they sum to Count exactly (a compaction's odd leftover keeps totals close but not equal).
        long total = items.Sum(i => i.Weight);
        double scale = (double)Count / total, before = 0;
        for (int i = 0; i < items.Count; i++)
        {
            double w = items[i].Weight * scale;
            values[i] = items[i].Value;
            centres[i] = before + (w - 1) / 2;
            before += w;
        }
        return (values, centres);
    }

    private int Capacity(int level) => Math.Max(2, (int)Math.Ceiling(K * Math.Pow(Shrink, _levels.Count - 1 - level)));

    private void Compress()
    {
        while (true)
        {
            int full = -1;
            for (int h = 0; h < _levels.Count && full < 0; h++)
                if (_levels[h].Count >= Capacity(h)) full = h;
            if (full < 0) return;
            if (full == _levels.Count - 1)
            {
                _levels.Add([]);
                _firstCapacity = Capacity(0);
            }
            var level = _levels[full];
            level.Sort();
            // An odd item out stays behind, so the weight moved up is exactly that of the items removed.
            int leftover = level.Count % 2;
            int offset = (int)(NextRandom() & 1);
            var up = _levels[full + 1];
            for (int i = leftover + offset; i < level.Count; i += 2) up.Add(level[i]);
            double kept = leftover == 1 ? level[0] : 0;
            level.Clear();
            if (leftover == 1) level.Add(kept);
            _compacted = true;
        }
    }

    private ulong NextRandom()
    {
        // splitmix64: a fixed, portable stream of coin flips.
        ulong z = _random += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
