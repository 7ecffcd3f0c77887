using MultiTask.Engine.Tensors;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Weighting;

/// <summary>
/// FairGrad: the shared update allocates improvement among the tasks α-fairly — d = Σᵢ wᵢgᵢ with
/// (gᵢ·d) = wᵢ^(−1/α) — interpolating between the mean-like utilitarian allocation (small α), Nash-MTL
/// (α = 1) and max-min fairness (large α).
/// </summary>
/// <remarks>
/// <para>
/// Ban and Ji, "Fair Resource Allocation in Multi-Task Learning", ICML 2024. FairGrad maximises
/// Σᵢ (gᵢ·d)^(1−α)/(1 − α) over a ball; with d = Σⱼ wⱼgⱼ the optimum satisfies G·w = w^(−1/α) elementwise
/// (G the Gram matrix of the task gradients on the shared parameters), which the authors solve with a generic
/// least-squares routine and this strategy with <see cref="NashBargaining.SolveAlphaFair"/> (Newton on the
/// equivalent strictly convex problem). The combined gradient is clipped to norm <c>maxNorm</c> like
/// <see cref="NashMtl"/> (0 turns clipping off). Task-specific parameters get their ordinary gradients; the
/// reported weights are the wᵢ times the clipping factor; a task with a zero gradient gets weight 0.
/// </para>
/// <para>
/// Use it to choose how strongly the slowest task is favoured: α = 1 is Nash-MTL's allocation, larger α
/// favours the task that improves least. Like Nash-MTL it needs linearly independent gradients: a step where a
/// positive combination of them cancels uses equal weights instead (the diagnostic <c>fallback</c> is 1).
/// </para>
/// </remarks>
public sealed class FairGrad : LossWeighting
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="alpha">The fairness exponent α &gt; 0; the authors' QM9 experiments use 2.</param>
    /// <param name="maxNorm">Clip the combined shared gradient to this norm; 0 turns clipping off.</param>
    /// <param name="maxIterations">Newton steps at most for the weights.</param>
    /// <param name="tolerance">The accepted violation of wᵢ^(1/α)·(gᵢ·d) = 1.</param>
    public FairGrad(double alpha = 2.0, double maxNorm = 1.0, int maxIterations = 100, double tolerance = 1e-9)
    {
        if (!(alpha > 0) || !double.IsFinite(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be positive and finite.");
        if (!(maxNorm >= 0) || !double.IsFinite(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be finite and non-negative (0 turns clipping off).");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIterations);
        if (!(tolerance > 0) || !double.IsFinite(tolerance))
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be positive and finite.");
        Alpha = alpha;
        MaxNorm = maxNorm;
        MaxIterations = maxIterations;
        Tolerance = tolerance;
    }

    /// <summary>The fairness exponent α.</summary>
    public double Alpha { get; }

    /// <summary>The norm the combined shared gradient is clipped to (0: no clipping).</summary>
    public double MaxNorm { get; }

    /// <summary>Newton steps at most for the weights.</summary>
    public int MaxIterations { get; }

    /// <summary>The accepted violation of wᵢ^(1/α)·(gᵢ·d) = 1.</summary>
    public double Tolerance { get; }

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var space = GradientSpace.Of(TaskGradients(taskLosses, context), context, nameof(FairGrad));
        var weights = NashMtl.Bargain(space.Gram, gram => NashBargaining.SolveAlphaFair(gram, Alpha, MaxIterations, Tolerance), MaxNorm, out double norm,
            out bool fallback);
        double objective = BackwardWithSharedGradient(taskLosses, space.Combine(weights, context.SharedNumel), context);
        return new WeightingResult(space.PerTask(weights), objective,
            new Dictionary<string, double> { ["direction_norm"] = norm, ["fallback"] = fallback ? 1 : 0 });
    }
}
