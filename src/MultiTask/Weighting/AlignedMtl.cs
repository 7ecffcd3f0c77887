using MultiTask.Engine.Tensors;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Weighting;

/// <summary>
/// Aligned-MTL: the task gradients are replaced by an orthogonal system with equal norms (their principal
/// components, rescaled to the smallest singular value) before averaging, which removes both conflict and
/// dominance.
/// </summary>
/// <remarks>
/// <para>
/// Senushkin, Patakin, Kuznetsov and Konushin, "Independent Component Alignment for Multi-Task Learning",
/// CVPR 2023, Algorithm 1. With G = VΛVᵀ the eigendecomposition of the Gram matrix of the task gradients
/// (keeping the R eigenvalues above λ_max·T·ε, ε the float32 epsilon, as the authors' code does), the
/// balance transformation is B = √λ_R · V Λ^(−1/2) Vᵀ (λ_R the smallest kept eigenvalue), and the shared
/// parameters get Σᵢ αᵢgᵢ with α = B·w, w = (1/T, …, 1/T) (torchjd's default preference; LibMTL uses wᵢ = 1,
/// a T times larger step). The aligned gradients JᵀB have all singular values equal to √λ_R.
/// </para>
/// <para>
/// Task-specific parameters get their ordinary gradients; the reported weights are the αᵢ. Use it when tasks
/// both conflict and differ in gradient size. When the gradients are nearly linearly dependent λ_R is tiny and
/// so is the step: the method then trusts only the well-determined directions.
/// </para>
/// </remarks>
public sealed class AlignedMtl : LossWeighting
{
    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var space = GradientSpace.Of(TaskGradients(taskLosses, context), context, nameof(AlignedMtl));
        var weights = Weights(space.Gram);
        double objective = BackwardWithSharedGradient(taskLosses, space.Combine(weights, context.SharedNumel), context);
        return new WeightingResult(space.PerTask(weights), objective);
    }

    /// <summary>Aligned-MTL's α = B·w from the Gram matrix.</summary>
    internal static double[] Weights(double[,] gram)
    {
        int n = gram.GetLength(0);
        var (values, vectors) = GramMatrix.SymmetricEigen(gram);
        double tolerance = values[0] * n * 1.1920928955078125e-07;
        int rank = values.Count(v => v > tolerance);
        var w = 1.0 / n;
        if (rank == 0) return [.. Enumerable.Repeat(w, n)];
        double smallest = Math.Sqrt(values[rank - 1]);
        var alpha = new double[n];
        for (int k = 0; k < rank; k++)
        {
            // Component k of B·w: √λ_R/√λ_k · v_k (v_k·w).
            double projection = 0;
            for (int i = 0; i < n; i++) projection += vectors[i, k] * w;
            double factor = smallest / Math.Sqrt(values[k]) * projection;
            for (int i = 0; i < n; i++) alpha[i] += factor * vectors[i, k];
        }
        return alpha;
    }
}
