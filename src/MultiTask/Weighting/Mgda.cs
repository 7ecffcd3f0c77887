using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Multiple-Gradient Descent Algorithm (MGDA): the shared parameters move along the minimum-norm
/// point of the convex hull of the tasks' gradients, a direction that decreases every task's loss
/// unless the point is already Pareto-stationary.
/// </summary>
/// <remarks>
/// <para>
/// Sener and Koltun, "Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018 (after
/// Désidéri, 2012). With gᵢ the gradient of task i's loss on the shared parameters, MGDA solves
/// min_α ‖Σᵢ αᵢ·gᵢ‖² subject to αᵢ ≥ 0, Σᵢ αᵢ = 1. For two tasks the solution is closed-form
/// (the paper's Algorithm 1): α₁ = clamp(((g₂ − g₁)·g₂) / ‖g₁ − g₂‖², 0, 1), α₂ = 1 − α₁. For more
/// tasks it runs the paper's Frank–Wolfe solver (Algorithm 2) on the Gram matrix Gᵢⱼ = gᵢ·gⱼ, from
/// αᵢ = 1/T, for at most <c>maxIterations</c> steps or until α changes by less than
/// <c>tolerance</c>. The shared parameters get Σᵢ αᵢ·gᵢ; task-specific parameters get their
/// ordinary gradients. The reported weights are the αᵢ (0 for absent tasks); the diagnostic
/// <c>direction_norm</c> is ‖Σᵢ αᵢ·gᵢ‖ — near 0 means the shared parameters are Pareto-stationary.
/// </para>
/// <para>
/// <b>Pareto-stationary steps.</b> When the min-norm point is zero the current point is Pareto-stationary and
/// MGDA has no common descent direction (the paper's stopping case). In float arithmetic it is rarely exactly
/// zero, but a point with ‖Σᵢ αᵢ·gᵢ‖ ≤ <c>stationaryTolerance</c>·maxᵢ ‖gᵢ‖ is a cancellation of opposing
/// gradients, whose remainder is rounding noise. Such a step is treated as stationary, faithfully to the
/// paper: the shared parameters get no gradient from the tasks (only from the extra objective, if any), the
/// diagnostic <c>stationary</c> is 1 and <see cref="StationarySteps"/> counts it. This matters with Adam,
/// which divides by the running gradient scale: it would otherwise turn a vanishing, noise-dominated
/// direction into full-sized steps of the shared parameters.
/// </para>
/// <para>
/// This is plain MGDA on the shared parameters' gradients (one backward pass per task through the
/// shared part), not the MGDA-UB upper bound on a shared representation. Because it only looks at
/// directions, a task with a much larger gradient does not dominate; tasks whose losses have very
/// different scales are balanced by the geometry of their gradients instead.
/// </para>
/// <para>
/// <b>When not to use it.</b> With noisy gradients (few rows, and above all full-batch training on a small
/// table) the min-norm point jumps between the hull's vertices from step to step, ignoring one task entirely
/// at times, and Adam adapts its scale to a direction that keeps changing. On small tabular data
/// <see cref="EqualWeighting"/> is the safer default (measurements in docs/weighting.md).
/// </para>
/// </remarks>
public sealed class Mgda : LossWeighting
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="maxIterations">Frank–Wolfe steps at most (three or more tasks).</param>
    /// <param name="tolerance">Stop when the largest change of an αᵢ is below this.</param>
    /// <param name="stationaryTolerance">
    /// A step is Pareto-stationary (no shared update from the tasks) when ‖Σᵢ αᵢ·gᵢ‖ is at most this times the largest ‖gᵢ‖;
    /// in [0, 1). 0 treats only an exact zero so.
    /// </param>
    public Mgda(int maxIterations = 250, double tolerance = 1e-5, double stationaryTolerance = 1e-4)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIterations);
        if (!(tolerance > 0) || !double.IsFinite(tolerance))
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be positive and finite.");
        if (!(stationaryTolerance >= 0 && stationaryTolerance < 1))
            throw new ArgumentOutOfRangeException(nameof(stationaryTolerance), stationaryTolerance, $"stationaryTolerance must be in [0, 1), got {stationaryTolerance}.");
        MaxIterations = maxIterations;
        Tolerance = tolerance;
        StationaryTolerance = stationaryTolerance;
    }

    /// <summary>The relative norm below which a step is treated as Pareto-stationary.</summary>
    public double StationaryTolerance { get; }

    /// <summary>How many steps so far were Pareto-stationary (the shared parameters got no gradient from the tasks); saved in checkpoints.</summary>
    public long StationarySteps { get; private set; }

    /// <summary>Frank–Wolfe steps at most.</summary>
    public int MaxIterations { get; }

    /// <summary>The convergence tolerance on α.</summary>
    public double Tolerance { get; }

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var grads = TaskGradients(taskLosses, context);
        var present = Enumerable.Range(0, grads.Length).Where(i => grads[i] is not null).ToArray();
        var gram = new double[present.Length, present.Length];
        for (int a = 0; a < present.Length; a++)
            for (int b = a; b < present.Length; b++)
                gram[a, b] = gram[b, a] = GradientVectors.Dot(grads[present[a]], grads[present[b]]);

        var alpha = MinNormWeights(gram, MaxIterations, Tolerance);
        var shared = new float[context.SharedNumel];
        for (int a = 0; a < present.Length; a++) GradientVectors.AddScaled(shared, alpha[a], grads[present[a]]);
        double norm = Math.Sqrt(GradientVectors.SquaredNorm(shared)), largest = 0;
        for (int a = 0; a < present.Length; a++) largest = Math.Max(largest, Math.Sqrt(gram[a, a]));
        bool stationary = norm <= StationaryTolerance * largest;
        if (stationary)
        {
            Array.Clear(shared);
            StationarySteps++;
        }
        double objective = BackwardWithSharedGradient(taskLosses, shared, context);

        var weights = new double[grads.Length];
        for (int a = 0; a < present.Length; a++) weights[present[a]] = alpha[a];
        return new WeightingResult(weights, objective,
            new Dictionary<string, double> { ["direction_norm"] = norm, ["stationary"] = stationary ? 1 : 0 });
    }

    /// <inheritdoc />
    public override WeightingStateDict StateDict()
    {
        var state = new WeightingStateDict();
        state.Values["stationary_steps"] = StationarySteps;
        return state;
    }

    /// <inheritdoc />
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var unknown = stateDict.Tensors.Keys.Concat(stateDict.Values.Keys).Where(k => k != "stationary_steps").ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Mgda's state has only 'stationary_steps', but the snapshot has {string.Join(", ", unknown.Select(k => $"'{k}'"))}; it was taken from another strategy.", nameof(stateDict));
        double steps = stateDict.Values.TryGetValue("stationary_steps", out double value) ? value : 0;
        if (!(steps >= 0 && steps <= long.MaxValue) || steps != Math.Floor(steps))
            throw new ArgumentException($"Mgda's 'stationary_steps' must be a non-negative whole number, got {steps:G17}; the snapshot is damaged.", nameof(stateDict));
        StationarySteps = (long)steps;
    }

    /// <summary>The α on the simplex minimising ‖Σ αᵢ gᵢ‖², given the Gram matrix of the gᵢ (the paper's Frank–Wolfe solver).</summary>
    internal static double[] MinNormWeights(double[,] gram, int maxIterations, double tolerance) =>
        Solvers.MinNormPoint.FrankWolfe(gram, maxIterations, tolerance);
}
