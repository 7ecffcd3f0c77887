using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Gradient Sign Dropout (GradDrop): at each coordinate of the shared gradient where the tasks disagree in
/// sign, only one sign survives, chosen at random in proportion to how much of the gradient has that sign.
/// </summary>
/// <remarks>
/// <para>
/// Chen, Ngiam, Huang, Luong, Kretzschmar, Chai and Anguelov, "Just Pick a Sign: Optimizing Deep Multitask
/// Models with Gradient Sign Dropout", NeurIPS 2020, Algorithm 1, applied to the task gradients gᵢ of the
/// shared parameters (as LibMTL and torchjd do; the paper places it at one activation layer). Per coordinate
/// k: the sign purity P_k = ½(1 + Σᵢ gᵢₖ / Σᵢ |gᵢₖ|), a uniform draw U_k, and the mask
/// Mᵢₖ = [P_k &gt; U_k]·[gᵢₖ &gt; 0] + [P_k &lt; U_k]·[gᵢₖ &lt; 0]; the shared parameters get
/// Σᵢ (ℓ + (1 − ℓ)·Mᵢₖ)·gᵢₖ with the leak ℓ (0 in the paper). Where all tasks agree P is 0 or 1 and the
/// coordinate is the plain sum.
/// </para>
/// <para>
/// The draws come from a generator seeded in the constructor; <see cref="StateDict"/> saves its exact state,
/// so a resumed run draws the same numbers. Task-specific parameters get their ordinary gradients; every
/// present task reports weight 1 and the diagnostic <c>dropped</c> is the fraction of non-zero task-gradient
/// coordinates that were masked. Use it when many coordinates of the shared gradient conflict; it costs one
/// uniform draw per shared parameter per step.
/// </para>
/// </remarks>
public sealed class GradDrop : LossWeighting
{
    private readonly Generator _generator;

    /// <summary>Creates the strategy.</summary>
    /// <param name="seed">The seed of the uniform draws.</param>
    /// <param name="leak">The fraction ℓ ∈ [0, 1] of a masked gradient that still passes; 0 as in the paper.</param>
    public GradDrop(ulong seed = 0, double leak = 0)
    {
        if (!(leak >= 0 && leak <= 1))
            throw new ArgumentOutOfRangeException(nameof(leak), leak, $"leak must be in [0, 1], got {leak}.");
        _generator = new Generator(seed);
        Leak = leak;
    }

    /// <summary>The fraction of a masked gradient that still passes.</summary>
    public double Leak { get; }

    /// <summary>The seed of the uniform draws.</summary>
    public ulong Seed => _generator.InitialSeed;

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var grads = TaskGradients(taskLosses, context);
        var present = grads.Where(g => g is not null).Select(g => g!).ToArray();
        var shared = new float[context.SharedNumel];
        long nonZero = 0, dropped = 0;
        for (int k = 0; k < shared.Length; k++)
        {
            double sum = 0, absolute = 0;
            foreach (var g in present)
            {
                sum += g[k];
                absolute += Math.Abs(g[k]);
            }
            double u = _generator.NextDouble();
            if (absolute == 0) continue;
            double purity = 0.5 * (1 + sum / absolute);
            double value = 0;
            foreach (var g in present)
            {
                if (g[k] == 0) continue;
                nonZero++;
                bool keep = g[k] > 0 ? purity > u : purity < u;
                if (!keep) dropped++;
                value += keep ? g[k] : Leak * g[k];
            }
            shared[k] = (float)value;
        }
        double objective = BackwardWithSharedGradient(taskLosses, shared, context);
        var weights = new double[grads.Length];
        for (int i = 0; i < grads.Length; i++) weights[i] = grads[i] is null ? 0 : 1;
        return new WeightingResult(weights, objective,
            new Dictionary<string, double> { ["dropped"] = nonZero == 0 ? 0 : (double)dropped / nonZero });
    }

    /// <summary>Snapshots the generator's exact state as 32-bit halves (<c>seed.high</c>, <c>seed.low</c>, <c>s0.high</c> … <c>s3.low</c>).</summary>
    /// <returns>The snapshot.</returns>
    public override WeightingStateDict StateDict()
    {
        var state = _generator.GetState();
        var sd = new WeightingStateDict();
        Put(sd, "seed", state.InitialSeed);
        Put(sd, "s0", state.S0);
        Put(sd, "s1", state.S1);
        Put(sd, "s2", state.S2);
        Put(sd, "s3", state.S3);
        return sd;
    }

    /// <summary>Restores the generator's exact state.</summary>
    /// <param name="stateDict">A snapshot from <see cref="StateDict"/>.</param>
    /// <exception cref="ArgumentException">The snapshot is not a GradDrop snapshot.</exception>
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string[] names = ["seed", "s0", "s1", "s2", "s3"];
        var expected = names.SelectMany(n => new[] { n + ".high", n + ".low" }).ToHashSet();
        if (stateDict.Tensors.Count > 0 || !stateDict.Values.Keys.ToHashSet().SetEquals(expected))
            throw new ArgumentException(
                $"A GradDrop snapshot holds exactly the values {string.Join(", ", expected.Select(k => $"'{k}'"))}; pass a snapshot from GradDrop.StateDict().", nameof(stateDict));
        var parts = names.Select(n => Get(stateDict, n)).ToArray();
        if ((parts[1] | parts[2] | parts[3] | parts[4]) == 0)
            throw new ArgumentException("The GradDrop snapshot's generator state is all zeros, which no generator reaches; the snapshot is damaged.", nameof(stateDict));
        _generator.SetState(new GeneratorState(parts[0], parts[1], parts[2], parts[3], parts[4], null));
    }

    private static void Put(WeightingStateDict sd, string name, ulong value)
    {
        // A double holds only 53 bits of a 64-bit word.
        sd.Values[name + ".high"] = value >> 32;
        sd.Values[name + ".low"] = value & 0xFFFFFFFFUL;
    }

    private static ulong Get(WeightingStateDict sd, string name)
    {
        double high = sd.Values[name + ".high"], low = sd.Values[name + ".low"];
        if (!IsUInt32(high) || !IsUInt32(low))
            throw new ArgumentException($"The GradDrop snapshot's '{name}' halves are not 32-bit unsigned integers; the snapshot is damaged.", "stateDict");
        return ((ulong)high << 32) | (ulong)low;
    }

    private static bool IsUInt32(double v) => v >= 0 && v <= uint.MaxValue && v == Math.Floor(v);
}
