using MultiTask.Engine.Tensors;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Weighting;

/// <summary>
/// Impartial Multi-Task Learning, gradient part (IMTL-G): the shared parameters move along the combination
/// of the task gradients whose projections onto every task's unit gradient are equal.
/// </summary>
/// <remarks>
/// <para>
/// Liu, Li, Kuang, Xue, Chen, Yang, Liao and Zhang, "Towards Impartial Multi-task Learning", ICLR 2021,
/// section 3.2. With gᵢ the task gradients on the shared parameters and uᵢ = gᵢ/‖gᵢ‖, IMTL-G finds
/// d = Σᵢ αᵢgᵢ with Σᵢ αᵢ = 1 and d·u₁ = d·u₂ = … = d·u_T. The paper writes the solution as
/// α₂:T = g₁Uᵀ(DUᵀ)⁻¹ with rows Dᵢ = g₁ − gᵢ and Uᵢ = u₁ − uᵢ; in Gram form the equal projections read
/// G·α ∝ (‖g₁‖, …, ‖g_T‖), so α = G⁻¹n / Σ(G⁻¹n) with nᵢ = ‖gᵢ‖ (the form torchjd uses). When the gradients
/// are linearly dependent G is singular and a solution of G·v = n on its range is taken; if the components
/// sum to zero, or a task's gradient is zero, no such combination exists and the shared parameters get no
/// gradient from the tasks (the diagnostic <c>degenerate</c> is 1).
/// </para>
/// <para>
/// Task-specific parameters get their ordinary gradients; the reported weights are the αᵢ (which may be
/// negative). Use it when one task's gradient is much larger than another's and should not dominate the
/// direction: unlike the mean gradient, d makes the same angle with every task's gradient. (The paper's
/// loss-scale part, IMTL-L, is a separate loss-space method.)
/// </para>
/// </remarks>
public sealed class ImtlG : LossWeighting
{
    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var space = GradientSpace.Of(TaskGradients(taskLosses, context), context, nameof(ImtlG));
        var alpha = Weights(space.Gram);
        double objective = BackwardWithSharedGradient(taskLosses, space.Combine(alpha ?? new double[space.Present.Length], context.SharedNumel), context);
        return new WeightingResult(space.PerTask(alpha ?? new double[space.Present.Length]), objective,
            new Dictionary<string, double> { ["degenerate"] = alpha is null ? 1 : 0 });
    }

    /// <summary>IMTL-G's α from the Gram matrix, or null when no combination has equal projections.</summary>
    internal static double[]? Weights(double[,] gram)
    {
        int n = gram.GetLength(0);
        double longest = GramMatrix.MaxDiagonal(gram);
        var norms = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (!(gram[i, i] > 1e-24 * longest) || longest == 0) return null;
            norms[i] = Math.Sqrt(gram[i, i]);
        }
        var v = GramMatrix.SolveSemiDefinite(gram, Enumerable.Range(0, n).ToArray(), norms);
        double sum = v.Sum();
        if (!(Math.Abs(sum) > 1e-12 * v.Sum(Math.Abs))) return null;
        for (int i = 0; i < n; i++) v[i] /= sum;
        return v;
    }
}
