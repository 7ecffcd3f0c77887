using System.Globalization;
using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Gradient Vaccine (GradVac): where the cosine similarity of two tasks' gradients falls below its running
/// average, the first gradient is moved towards the second until the similarity equals that average.
/// </summary>
/// <remarks>
/// <para>
/// Wang, Tsvetkov, Firat and Cao, "Gradient Vaccine: Investigating and Improving Multi-task Optimization in
/// Massively Multilingual Models", ICLR 2021, Algorithm 2, on the whole shared-parameter gradient. For each
/// task i, gᵢ' = gᵢ; for each other task j in a random order, with φᵢⱼ = cos(gᵢ', gⱼ) and the target φ̂ᵢⱼ:
/// if φᵢⱼ &lt; φ̂ᵢⱼ, gᵢ' ← gᵢ' + ‖gᵢ'‖(φ̂ᵢⱼ√(1 − φᵢⱼ²) − φᵢⱼ√(1 − φ̂ᵢⱼ²)) / (‖gⱼ‖√(1 − φ̂ᵢⱼ²)) · gⱼ,
/// after which cos(gᵢ', gⱼ) = φ̂ᵢⱼ; then φ̂ᵢⱼ ← (1 − β)φ̂ᵢⱼ + βφᵢⱼ. Targets start at 0, where the step is
/// PCGrad's projection. The shared parameters get Σᵢ gᵢ'; task-specific parameters get their ordinary
/// gradients; the reported weight of task j is its coefficient in Σᵢ gᵢ' (1 plus what the other tasks added).
/// </para>
/// <para>
/// The targets and the random stream are per-run state: <see cref="StateDict"/> saves them (as exact doubles)
/// so a resumed run continues identically. Use it where PCGrad helps but the tasks are expected to stay
/// positively aligned: the target keeps the similarity at its usual level rather than just above 0.
/// </para>
/// </remarks>
public sealed class GradVac : LossWeighting
{
    private readonly TaskOrderStream _orders;
    private double[,]? _targets;

    /// <summary>Creates the strategy.</summary>
    /// <param name="beta">The EMA rate of the similarity targets, in (0, 1]; the paper uses 0.01.</param>
    /// <param name="seed">The seed of the random task orders.</param>
    public GradVac(double beta = 0.01, ulong seed = 0)
    {
        if (!(beta > 0 && beta <= 1))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, $"beta must be in (0, 1], got {beta}.");
        Beta = beta;
        _orders = new TaskOrderStream(seed);
    }

    /// <summary>The EMA rate of the similarity targets.</summary>
    public double Beta { get; }

    /// <summary>The seed of the random task orders.</summary>
    public ulong Seed => _orders.Seed;

    /// <summary>The similarity target φ̂ᵢⱼ of task i towards task j (0 before any step).</summary>
    /// <param name="i">The task being adjusted.</param>
    /// <param name="j">The task it is adjusted towards.</param>
    /// <returns>The current target.</returns>
    public double Target(int i, int j) => _targets?[i, j] ?? 0;

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context)
    {
        if (_targets is null)
        {
            _targets = new double[context.TaskCount, context.TaskCount];
        }
        else if (_targets.GetLength(0) != context.TaskCount)
        {
            throw new ArgumentException(
                $"GradVac's loaded targets are for {_targets.GetLength(0)} tasks but the context has {context.TaskCount} ({context.KnownTasks()}).", nameof(context));
        }
    }

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var targets = _targets!;
        var grads = TaskGradients(taskLosses, context);
        var present = Enumerable.Range(0, grads.Length).Where(i => grads[i] is not null).ToList();
        var norms = new double[grads.Length];
        foreach (int j in present) norms[j] = Math.Sqrt(GradientVectors.SquaredNorm(grads[j]));

        var shared = new float[context.SharedNumel];
        var weights = new double[grads.Length];
        foreach (int j in present) weights[j] = 1;
        var others = new List<int>(present.Count);
        int adjustments = 0;
        foreach (int i in present)
        {
            var adjusted = (float[])grads[i]!.Clone();
            others.Clear();
            others.AddRange(present.Where(j => j != i));
            _orders.Shuffle(others);
            foreach (int j in others)
            {
                double adjustedNorm = Math.Sqrt(GradientVectors.SquaredNorm(adjusted));
                // A zero gradient has no direction to compare; its target stays.
                if (adjustedNorm == 0 || norms[j] == 0) continue;
                double phi = Math.Clamp(GradientVectors.Dot(adjusted, grads[j]) / (adjustedNorm * norms[j]), -1, 1);
                double target = targets[i, j];
                if (phi < target)
                {
                    double w = adjustedNorm * (target * Math.Sqrt(1 - phi * phi) - phi * Math.Sqrt(1 - target * target))
                        / (norms[j] * Math.Sqrt(1 - target * target));
                    GradientVectors.AddScaled(adjusted, w, grads[j]);
                    weights[j] += w;
                    adjustments++;
                }
                targets[i, j] = (1 - Beta) * target + Beta * phi;
            }
            GradientVectors.Add(shared, adjusted);
        }
        double objective = BackwardWithSharedGradient(taskLosses, shared, context);
        return new WeightingResult(weights, objective, new Dictionary<string, double> { ["adjustments"] = adjustments });
    }

    /// <summary>Snapshots the seed (<c>seed_high</c>, <c>seed_low</c>), the position in the random stream (<c>draws</c>) and every target (<c>target.i.j</c>).</summary>
    /// <returns>The snapshot.</returns>
    public override WeightingStateDict StateDict()
    {
        var sd = new WeightingStateDict();
        _orders.Save(sd);
        if (_targets is { } targets)
        {
            int n = targets.GetLength(0);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (i != j) sd.Values[TargetKey(i, j)] = targets[i, j];
        }
        return sd;
    }

    /// <summary>Restores the seed, the random stream's position and the targets.</summary>
    /// <param name="stateDict">A snapshot from <see cref="StateDict"/>.</param>
    /// <exception cref="ArgumentException">The snapshot is not a GradVac snapshot, or is for another number of tasks.</exception>
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (stateDict.Tensors.Count > 0)
            throw new ArgumentException("A GradVac snapshot holds the values 'seed_high', 'seed_low', 'draws' and 'target.i.j', no tensors. Pass a snapshot from GradVac.StateDict().", nameof(stateDict));
        var position = TaskOrderStream.Read(stateDict, nameof(GradVac));
        int targetCount = stateDict.Values.Count - 3;
        int n = (int)Math.Round((1 + Math.Sqrt(1 + 4.0 * targetCount)) / 2);
        if (n * (n - 1) != targetCount)
            throw new ArgumentException($"The GradVac snapshot has {targetCount} other entries, which is not T·(T − 1) targets for any task count T.", nameof(stateDict));
        var targets = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                if (!stateDict.Values.TryGetValue(TargetKey(i, j), out var t) || !(t >= -1 && t <= 1))
                    throw new ArgumentException($"The GradVac snapshot lacks '{TargetKey(i, j)}' or it is not a cosine in [-1, 1].", nameof(stateDict));
                targets[i, j] = t;
            }
        if (IsInitialized && n != TaskNames!.Count)
            throw new ArgumentException($"The GradVac snapshot has targets for {n} tasks but this strategy has {TaskNames.Count}.", nameof(stateDict));
        _targets = targets;
        _orders.Restore(position);
    }

    private static string TargetKey(int i, int j) => string.Create(CultureInfo.InvariantCulture, $"target.{i}.{j}");
}
