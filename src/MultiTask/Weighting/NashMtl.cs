using MultiTask.Engine.Tensors;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Weighting;

/// <summary>
/// Nash-MTL: the shared parameters move along the Nash bargaining solution of the tasks, d = Σᵢ αᵢgᵢ with
/// αᵢ·(gᵢ·d) = 1 for every task — each task's share of the improvement is inversely proportional to its weight.
/// </summary>
/// <remarks>
/// <para>
/// Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik and Fetaya, "Multi-Task Learning as a Bargaining
/// Game", ICML 2022. With gᵢ the task gradients on the shared parameters and G their Gram matrix, the
/// bargaining solution is d = Σᵢ αᵢgᵢ where α &gt; 0 solves G·α = 1/α (equation 2), solved here by
/// <see cref="NashBargaining.Solve"/> (Newton on the equivalent convex problem, to machine precision; the
/// paper approximates it with a sequence of convex programs). The solution does not depend on earlier steps,
/// so the strategy keeps no state.
/// </para>
/// <para>
/// As in the authors' code (<c>max_norm = 1.0</c>), the combined shared gradient is clipped to norm
/// <c>maxNorm</c> (0 turns clipping off). Task-specific parameters get their ordinary gradients. The reported
/// weights are the αᵢ times the clipping factor; the diagnostic <c>direction_norm</c> is ‖d‖ before
/// clipping. A task whose gradient is zero has no bargaining weight: it gets weight 0 and the others bargain.
/// </para>
/// <para>
/// Use it when tasks have gradients of very different sizes: a task with a small gradient gets a large αᵢ.
/// It needs linearly independent gradients: where gradients cancel (two exactly or nearly opposed ones) there is
/// no bargaining solution, and that step uses equal weights instead (the diagnostic <c>fallback</c> is 1).
/// </para>
/// </remarks>
public sealed class NashMtl : LossWeighting
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="maxNorm">Clip the combined shared gradient to this norm; 0 turns clipping off. The authors' default is 1.</param>
    /// <param name="maxIterations">Newton steps at most for the bargaining weights.</param>
    /// <param name="tolerance">The accepted violation of αᵢ·(gᵢ·d) = 1.</param>
    public NashMtl(double maxNorm = 1.0, int maxIterations = 100, double tolerance = 1e-9)
    {
        if (!(maxNorm >= 0) || !double.IsFinite(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be finite and non-negative (0 turns clipping off).");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIterations);
        if (!(tolerance > 0) || !double.IsFinite(tolerance))
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be positive and finite.");
        MaxNorm = maxNorm;
        MaxIterations = maxIterations;
        Tolerance = tolerance;
    }

    /// <summary>The norm the combined shared gradient is clipped to (0: no clipping).</summary>
    public double MaxNorm { get; }

    /// <summary>Newton steps at most for the bargaining weights.</summary>
    public int MaxIterations { get; }

    /// <summary>The accepted violation of αᵢ·(gᵢ·d) = 1.</summary>
    public double Tolerance { get; }

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var space = GradientSpace.Of(TaskGradients(taskLosses, context), context, nameof(NashMtl));
        var alpha = Bargain(space.Gram, gram => NashBargaining.Solve(gram, MaxIterations, Tolerance), MaxNorm, out double norm, out bool fallback);
        double objective = BackwardWithSharedGradient(taskLosses, space.Combine(alpha, context.SharedNumel), context);
        return new WeightingResult(space.PerTask(alpha), objective,
            new Dictionary<string, double> { ["direction_norm"] = norm, ["fallback"] = fallback ? 1 : 0 });
    }

    /// <summary>
    /// Bargaining weights over the tasks with a non-zero gradient (the others get 0), scaled so the combined
    /// gradient's norm is at most <paramref name="maxNorm"/> (0: no clipping). When no bargaining solution exists
    /// (gradients whose positive combination cancels) the step falls back to equal weights and
    /// <paramref name="fallback"/> is true: a training run goes on, as in the authors' code, which keeps the
    /// previous step's weights instead (that would be state to checkpoint; equal weights are not).
    /// </summary>
    internal static double[] Bargain(double[,] gram, Func<double[,], double[]> solve, double maxNorm, out double norm, out bool fallback)
    {
        fallback = false;
        int n = gram.GetLength(0);
        double longest = GramMatrix.MaxDiagonal(gram);
        var active = Enumerable.Range(0, n).Where(a => gram[a, a] > 1e-24 * longest && longest > 0).ToArray();
        var alpha = new double[n];
        if (active.Length > 0)
        {
            var sub = new double[active.Length, active.Length];
            for (int a = 0; a < active.Length; a++)
                for (int b = 0; b < active.Length; b++) sub[a, b] = gram[active[a], active[b]];
            double[] solved;
            try
            {
                solved = solve(sub);
            }
            catch (SolverConvergenceException)
            {
                solved = Enumerable.Repeat(1.0 / active.Length, active.Length).ToArray();
                fallback = true;
            }
            for (int a = 0; a < active.Length; a++) alpha[active[a]] = solved[a];
        }
        norm = Math.Sqrt(Math.Max(0, GramMatrix.Quadratic(gram, alpha, alpha)));
        if (maxNorm > 0 && norm > maxNorm)
            for (int a = 0; a < n; a++) alpha[a] *= maxNorm / norm;
        return alpha;
    }
}
