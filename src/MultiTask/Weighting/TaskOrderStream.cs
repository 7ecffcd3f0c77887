using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// The seeded random task orders of PCGrad and GradVac. Its position is a draw count, so a snapshot holds the seed
/// (<c>seed_high</c>, <c>seed_low</c>: a double carries only 53 bits of a 64-bit seed) and <c>draws</c>, and a resume
/// replays the stream to the same place.
/// </summary>
internal sealed class TaskOrderStream(ulong seed)
{
    private readonly Generator _generator = new(seed);
    private long _draws;

    /// <summary>The seed of the stream.</summary>
    public ulong Seed => _generator.InitialSeed;

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle(List<int> items)
    {
        for (int n = items.Count - 1; n > 0; n--)
        {
            int r = Draw(n + 1);
            (items[n], items[r]) = (items[r], items[n]);
        }
    }

    /// <summary>Writes the seed halves and the draw count into <paramref name="stateDict"/>.</summary>
    public void Save(WeightingStateDict stateDict)
    {
        stateDict.Values["seed_high"] = _generator.InitialSeed >> 32;
        stateDict.Values["seed_low"] = _generator.InitialSeed & 0xFFFFFFFFUL;
        stateDict.Values["draws"] = _draws;
    }

    /// <summary>
    /// Reads and checks a snapshot's seed halves and draw count without changing anything, so the caller can check the
    /// rest of its snapshot before it restores.
    /// </summary>
    /// <exception cref="ArgumentException">A value is missing or not a valid seed half or draw count (at most <see cref="PCGrad.MaxDraws"/>).</exception>
    public static (ulong Seed, long Draws) Read(WeightingStateDict stateDict, string strategy)
    {
        if (!stateDict.Values.TryGetValue("seed_high", out var high) || !stateDict.Values.TryGetValue("seed_low", out var low)
            || !stateDict.Values.TryGetValue("draws", out var draws))
            throw new ArgumentException($"A {strategy} snapshot holds the values 'seed_high', 'seed_low' and 'draws'. Pass a snapshot from {strategy}.StateDict().",
                nameof(stateDict));
        if (!IsUInt32(high) || !IsUInt32(low) || !(draws >= 0) || draws != Math.Floor(draws))
            throw new ArgumentException($"The {strategy} snapshot's seed halves or draw count are not non-negative integers of the right size.", nameof(stateDict));
        // The stream is replayed draw by draw, so an untrusted count must not make loading run for hours.
        if (draws > PCGrad.MaxDraws)
            throw new ArgumentException(
                $"The {strategy} snapshot's draw count {draws:G17} exceeds {PCGrad.MaxDraws:N0} (hundreds of millions of steps); the snapshot is damaged or not from {strategy}.StateDict().",
                nameof(stateDict));
        return (((ulong)high << 32) | (ulong)low, (long)draws);
    }

    /// <summary>Reseeds the stream and replays it to <paramref name="position"/>, as read by <see cref="Read"/>.</summary>
    public void Restore((ulong Seed, long Draws) position)
    {
        _generator.ManualSeed(position.Seed);
        _draws = 0;
        for (long d = 0; d < position.Draws; d++) Draw(1);
    }

    private static bool IsUInt32(double v) => v >= 0 && v <= uint.MaxValue && v == Math.Floor(v);

    private int Draw(int bound)
    {
        _draws++;
        return (int)(_generator.NextUInt64() % (ulong)bound);
    }
}
