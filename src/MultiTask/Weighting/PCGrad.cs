using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Projecting Conflicting Gradients (PCGrad): where two tasks' gradients on the shared parameters
/// point against each other, each drops the component that conflicts with the other.
/// </summary>
/// <remarks>
/// <para>
/// Yu, Kumar, Gupta, Levine, Hausman and Finn, "Gradient Surgery for Multi-Task Learning", NeurIPS 2020,
/// Algorithm 1. With gᵢ the gradient of task i's loss on the shared parameters: for each task i, start
/// from gᵢᴾᶜ = gᵢ; for each other task j, in a random order, if gᵢᴾᶜ·gⱼ &lt; 0 then
/// gᵢᴾᶜ ← gᵢᴾᶜ − (gᵢᴾᶜ·gⱼ / ‖gⱼ‖²)·gⱼ (projecting onto the normal plane of the original gⱼ).
/// The shared parameters get Σᵢ gᵢᴾᶜ; task-specific parameters get their ordinary gradients. Every
/// present task reports weight 1; the diagnostic <c>conflicts</c> counts the projections made.
/// </para>
/// <para>
/// The random orders come from a generator seeded in the constructor, so runs repeat exactly, and the
/// state dict lets a resumed run continue the same stream. Use it when tasks' gradients conflict
/// (negative cosine similarity); it costs one backward pass per task through the shared parameters.
/// </para>
/// </remarks>
public sealed class PCGrad : LossWeighting
{
    private readonly TaskOrderStream _orders;

    /// <summary>The largest draw count a snapshot may hold (loading replays the draws; one billion take a few seconds).</summary>
    public const long MaxDraws = 1_000_000_000;

    /// <summary>Creates the strategy.</summary>
    /// <param name="seed">The seed of the random task orders.</param>
    public PCGrad(ulong seed = 0)
    {
        _orders = new TaskOrderStream(seed);
    }

    /// <summary>The seed of the random task orders.</summary>
    public ulong Seed => _orders.Seed;

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var grads = TaskGradients(taskLosses, context);
        var present = new List<int>();
        for (int i = 0; i < grads.Length; i++)
        {
            if (grads[i] is not null) present.Add(i);
        }
        var squaredNorms = new double[grads.Length];
        foreach (int j in present) squaredNorms[j] = GradientVectors.SquaredNorm(grads[j]);

        var shared = new float[context.SharedNumel];
        var others = new List<int>(present.Count);
        int conflicts = 0;
        foreach (int i in present)
        {
            var projected = (float[])grads[i]!.Clone();
            others.Clear();
            foreach (int j in present)
            {
                if (j != i) others.Add(j);
            }
            _orders.Shuffle(others);
            foreach (int j in others)
            {
                double dot = GradientVectors.Dot(projected, grads[j]);
                if (dot < 0)
                {
                    GradientVectors.AddScaled(projected, -dot / squaredNorms[j], grads[j]);
                    conflicts++;
                }
            }
            GradientVectors.Add(shared, projected);
        }

        double objective = BackwardWithSharedGradient(taskLosses, shared, context);
        var weights = new double[grads.Length];
        foreach (int i in present) weights[i] = 1.0;
        return new WeightingResult(weights, objective, new Dictionary<string, double> { ["conflicts"] = conflicts });
    }

    /// <summary>Snapshots the seed (<c>seed_high</c>, <c>seed_low</c>) and the position in the random stream (<c>draws</c>).</summary>
    /// <returns>The snapshot.</returns>
    public override WeightingStateDict StateDict()
    {
        var sd = new WeightingStateDict();
        _orders.Save(sd);
        return sd;
    }

    /// <summary>Reseeds the generator and replays it to the snapshot's position in the random stream.</summary>
    /// <param name="stateDict">A snapshot from <see cref="StateDict"/>.</param>
    /// <exception cref="ArgumentException">The snapshot is not a PCGrad snapshot.</exception>
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var unexpected = stateDict.Tensors.Keys.Concat(stateDict.Values.Keys.Where(k => k is not ("seed_high" or "seed_low" or "draws"))).ToList();
        if (unexpected.Count > 0 || !stateDict.Values.ContainsKey("seed_high") || !stateDict.Values.ContainsKey("seed_low")
            || !stateDict.Values.ContainsKey("draws"))
            throw new ArgumentException(
                "A PCGrad snapshot holds exactly the values 'seed_high', 'seed_low' and 'draws'" +
                (unexpected.Count > 0 ? $"; this one also has {string.Join(", ", unexpected.Select(k => $"'{k}'"))}" : "") +
                ". Pass a snapshot from PCGrad.StateDict().", nameof(stateDict));
        _orders.Restore(TaskOrderStream.Read(stateDict, nameof(PCGrad)));
    }
}
