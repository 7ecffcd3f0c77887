using MultiTask.Engine.Tensors;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Weighting;

/// <summary>
/// ConFIG (Conflict-Free Inverse Gradients): the shared update points in the direction that makes the same
/// angle with every task's gradient, and is as long as the sum of the gradients' projections on it.
/// </summary>
/// <remarks>
/// <para>
/// Liu, Chen and Thuerey, "ConFIG: Towards Conflict-free Training of Physics Informed Neural Networks",
/// ICLR 2025, equation (2). With uᵢ = gᵢ/‖gᵢ‖ the rows of U, the direction is ĝ = U⁺1 / ‖U⁺1‖ (the
/// minimum-norm x with uᵢ·x = 1 for all i, so cos(gᵢ, ĝ) is the same for every task), and the shared
/// parameters get (Σᵢ gᵢ·ĝ)·ĝ. In Gram form U⁺1 = Σⱼ (yⱼ/‖gⱼ‖)·gⱼ with y solving the normalised Gram
/// system Ĝ²y = Ĝ1, Ĝᵢⱼ = Gᵢⱼ/(‖gᵢ‖‖gⱼ‖), which is the least-squares solution when the unit gradients are
/// linearly dependent. Tasks with a zero gradient are left out (weight 0).
/// </para>
/// <para>
/// Task-specific parameters get their ordinary gradients; the reported weights are the coefficients of the
/// gᵢ in the shared gradient. Use it when the tasks' gradients differ in size and conflict and every task
/// should improve at the same rate in angle; with independent gradients the result conflicts with no task.
/// </para>
/// </remarks>
public sealed class ConFig : LossWeighting
{
    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var space = GradientSpace.Of(TaskGradients(taskLosses, context), context, nameof(ConFig));
        var weights = Weights(space.Gram);
        double objective = BackwardWithSharedGradient(taskLosses, space.Combine(weights, context.SharedNumel), context);
        return new WeightingResult(space.PerTask(weights), objective);
    }

    /// <summary>ConFIG's coefficients of the gradients from their Gram matrix.</summary>
    internal static double[] Weights(double[,] gram)
    {
        int n = gram.GetLength(0);
        double longest = GramMatrix.MaxDiagonal(gram);
        var active = Enumerable.Range(0, n).Where(i => longest > 0 && gram[i, i] > 1e-24 * longest).ToArray();
        var result = new double[n];
        int m = active.Length;
        if (m == 0) return result;
        var norms = active.Select(i => Math.Sqrt(gram[i, i])).ToArray();
        var unit = new double[m, m];
        for (int a = 0; a < m; a++)
            for (int b = 0; b < m; b++) unit[a, b] = gram[active[a], active[b]] / (norms[a] * norms[b]);
        // Ĝ²y = Ĝ1 is always consistent; its solutions all give the same U⁺1 = Uᵀy.
        var squared = new double[m, m];
        for (int a = 0; a < m; a++)
            for (int b = 0; b < m; b++)
                for (int k = 0; k < m; k++) squared[a, b] += unit[a, k] * unit[k, b];
        var rhs = GramMatrix.Multiply(unit, Enumerable.Repeat(1.0, m).ToArray());
        var y = GramMatrix.SolveSemiDefinite(squared, Enumerable.Range(0, m).ToArray(), rhs);
        var v = new double[n];
        for (int a = 0; a < m; a++) v[active[a]] = y[a] / norms[a];
        double length = Math.Sqrt(Math.Max(0, GramMatrix.Quadratic(gram, v, v)));
        if (!(length > 0)) return result;
        // Σᵢ gᵢ·ĝ with ĝ = Σⱼ vⱼgⱼ / length.
        var gv = GramMatrix.Multiply(gram, v);
        double scale = active.Sum(i => gv[i]) / (length * length);
        for (int i = 0; i < n; i++) result[i] = scale * v[i];
        return result;
    }
}
