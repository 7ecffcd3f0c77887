using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Random Loss Weighting (RLW): each step weights the task losses by the softmax of fresh standard normal
/// draws.
/// </summary>
/// <remarks>
/// <para>
/// Lin, Ye, Xu, Shi, Zhang and Kwok, "Reasonable Effectiveness of Random Weighting: A Litmus Test for Multi-Task
/// Learning", TMLR 2022 (RLW with the normal distribution, the paper's default). Each step draws zᵢ ~ N(0, 1) for
/// every task and uses
/// </para>
/// <para>wᵢ = exp(zᵢ) / Σⱼ exp(zⱼ), L = Σᵢ wᵢ·Lᵢ,</para>
/// <para>
/// with the softmax taken over the tasks present in the batch (one draw is still made for every task, so the
/// stream does not depend on which tasks are absent). The weights are constants: only the model gets gradients.
/// The paper shows that such random weights match many adaptive strategies on average and escape sharp local
/// minima more easily; use it as a baseline that an adaptive strategy must beat, or when no strategy clearly
/// helps.
/// </para>
/// <para>
/// The draws come from a generator seeded by the constructor's seed, or, without one, from the context's
/// <see cref="WeightingContext.Seed"/> (the trainer's seed) mixed with a constant, so the stream differs from the
/// data loader's. The state dict holds the generator's state, so a resumed run draws the same weights.
/// </para>
/// </remarks>
public sealed class Rlw : LossWeighting
{
    // Mixed into the context's seed so the weights do not replay the data loader's stream of the same seed.
    private const ulong StreamSalt = 0x524C_5700_9E37_79B9UL;
    private readonly ulong? _seed;
    private Generator? _generator;

    /// <summary>Creates the strategy.</summary>
    /// <param name="seed">The seed of the random weights; null (the default) derives it from the context's <see cref="WeightingContext.Seed"/>.</param>
    public Rlw(ulong? seed = null)
    {
        _seed = seed;
    }

    /// <summary>The seed given to the constructor, or null when the seed comes from the context.</summary>
    public ulong? Seed => _seed;

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context) =>
        _generator = new Generator(_seed ?? context.Seed ^ StreamSalt);

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var draws = new double[taskLosses.Count];
        for (int i = 0; i < draws.Length; i++) draws[i] = _generator!.NextNormal();
        double max = double.NegativeInfinity;
        for (int i = 0; i < draws.Length; i++)
        {
            if (taskLosses[i] is not null) max = Math.Max(max, draws[i]);
        }
        var weights = new double[draws.Length];
        double sum = 0;
        for (int i = 0; i < draws.Length; i++)
        {
            if (taskLosses[i] is null) continue;
            weights[i] = Math.Exp(draws[i] - max);
            sum += weights[i];
        }
        for (int i = 0; i < weights.Length; i++) weights[i] /= sum;
        return new WeightingResult(weights, BackwardObjective(WeightedSum(taskLosses, weights), context));
    }

    /// <summary>Snapshots the generator's state (its seed and four state words as 32-bit halves, and any spare normal draw).</summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public override WeightingStateDict StateDict()
    {
        var state = Generator().GetState();
        var sd = new WeightingStateDict();
        // 32-bit halves: a double holds only 53 bits of a 64-bit word.
        void Word(string name, ulong value)
        {
            sd.Values[name + "_high"] = value >> 32;
            sd.Values[name + "_low"] = value & 0xFFFFFFFFUL;
        }
        Word("seed", state.InitialSeed);
        Word("s0", state.S0);
        Word("s1", state.S1);
        Word("s2", state.S2);
        Word("s3", state.S3);
        if (state.SpareNormal is double spare) sd.Values["spare_normal"] = spare;
        return sd;
    }

    /// <summary>Restores the generator's state from a snapshot taken by <see cref="StateDict"/>.</summary>
    /// <param name="stateDict">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot is not an RLW snapshot.</exception>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string[] words = ["seed", "s0", "s1", "s2", "s3"];
        var names = words.SelectMany(w => new[] { w + "_high", w + "_low" }).ToHashSet(StringComparer.Ordinal);
        var reader = new StateReader(stateDict, nameof(Rlw), [], k => names.Contains(k) || k == "spare_normal");
        ulong Word(string name)
        {
            long high = reader.Count(name + "_high", uint.MaxValue), low = reader.Count(name + "_low", uint.MaxValue);
            return ((ulong)high << 32) | (ulong)low;
        }
        var state = new GeneratorState(Word("seed"), Word("s0"), Word("s1"), Word("s2"), Word("s3"),
            stateDict.Values.ContainsKey("spare_normal") ? reader.Value("spare_normal") : null);
        if (state.S0 == 0 && state.S1 == 0 && state.S2 == 0 && state.S3 == 0)
            throw new ArgumentException("The RLW snapshot's generator state is all zeros, which no generator reaches; the snapshot is damaged.", nameof(stateDict));
        Generator().SetState(state);
    }

    private Generator Generator() => _generator ?? throw new InvalidOperationException(
        "Rlw is not initialised; call Initialize(context) before using its state.");
}
