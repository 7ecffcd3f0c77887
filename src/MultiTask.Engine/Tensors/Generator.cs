namespace MultiTask.Engine.Tensors;

/// <summary>
/// A seeded source of random numbers for tensor creation, initialisation and dropout
/// (PyTorch's <c>torch.Generator</c>). The same seed always yields the same stream on every platform.
/// </summary>
/// <remarks>
/// The stream is xoshiro256** seeded through SplitMix64; normals use the Box–Muller transform.
/// It does not reproduce PyTorch's Mersenne-Twister stream, so the same seed gives different
/// (but equally distributed) numbers than PyTorch.
/// </remarks>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    /// <summary>Creates a generator whose stream is fixed by <paramref name="seed"/>.</summary>
    public Generator(ulong seed) => ManualSeed(seed);

    /// <summary>
    /// The generator used when none is passed (PyTorch's default generator). It starts from a fixed
    /// seed, so programs are reproducible unless they reseed it.
    /// </summary>
    public static Generator Default { get; } = new(67280421310721UL);

    /// <summary>The seed this generator was last seeded with.</summary>
    public ulong InitialSeed { get; private set; }

    /// <summary>Restarts the stream from <paramref name="seed"/>.</summary>
    /// <returns>This generator.</returns>
    public Generator ManualSeed(ulong seed)
    {
        InitialSeed = seed;
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        _spareNormal = null;
        return this;
    }

    /// <summary>
    /// The generator's full state (PyTorch's <c>get_state</c>), for checkpoints: restoring it with
    /// <see cref="SetState"/> continues the stream exactly where it was.
    /// </summary>
    public GeneratorState GetState() => new(InitialSeed, _s0, _s1, _s2, _s3, _spareNormal);

    /// <summary>Restores a state captured by <see cref="GetState"/>.</summary>
    public void SetState(GeneratorState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
            throw new ArgumentException("A generator state cannot be all zeros (xoshiro256** would only produce zeros).", nameof(state));
        InitialSeed = state.InitialSeed;
        (_s0, _s1, _s2, _s3) = (state.S0, state.S1, state.S2, state.S3);
        _spareNormal = state.SpareNormal;
    }

    /// <summary>Returns the next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Returns a uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Returns a uniform float in [0, 1) with 24 random bits.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Returns a standard normal sample.</summary>
    public double NextNormal()
    {
        if (_spareNormal is double spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u1;
        do { u1 = NextDouble(); } while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2.0 * Math.PI * u2);
        return r * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Returns a uniform integer in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public long NextInt64(long low, long high)
    {
        if (high <= low)
            throw new ArgumentOutOfRangeException(nameof(high), $"high ({high}) must be greater than low ({low}).");
        ulong range = (ulong)(high - low);
        // Rejection sampling keeps every value equally likely.
        ulong limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong r;
        do { r = NextUInt64(); } while (r >= limit);
        return low + (long)(r % range);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>A snapshot of a <see cref="Generator"/>'s stream position (see <see cref="Generator.GetState"/>).</summary>
/// <param name="InitialSeed">The seed the generator was last seeded with.</param>
/// <param name="S0">The first word of the xoshiro256** state.</param>
/// <param name="S1">The second word.</param>
/// <param name="S2">The third word.</param>
/// <param name="S3">The fourth word.</param>
/// <param name="SpareNormal">The cached second Box–Muller normal, if any.</param>
public sealed record GeneratorState(ulong InitialSeed, ulong S0, ulong S1, ulong S2, ulong S3, double? SpareNormal);
