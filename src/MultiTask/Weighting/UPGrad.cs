using MultiTask.Engine.Tensors;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Weighting;

/// <summary>
/// Unconflicting Projection of Gradients (UPGrad): each task's gradient is projected onto the dual cone of all
/// task gradients (the directions that increase no task's loss to first order), and the projections are averaged.
/// </summary>
/// <remarks>
/// <para>
/// Quinton and Rey, "Jacobian Descent for Multi-Objective Optimization", 2024 (torchjd's <c>UPGrad</c> with its
/// default mean preference). With gᵢ the task gradients on the shared parameters, the dual cone is
/// {x : gⱼ·x ≥ 0 for every j}; the projection of gᵢ onto it is Σⱼ vⱼgⱼ with v = argmin vᵀGv subject to
/// v ≥ eᵢ (their Proposition 1, solved exactly by <see cref="DualCone.ProjectWeights"/>). The shared
/// parameters get the mean of the T projections, whose weights are the mean of the T weight vectors.
/// </para>
/// <para>
/// The result has a non-negative inner product with every task gradient, so (to first order) no task's loss
/// increases, and it is at least as long, along each gᵢ, as the plain mean would be where the tasks agree.
/// Task-specific parameters get their ordinary gradients; the reported weights are the coefficients of the
/// gᵢ in the shared gradient. Use it when tasks conflict and none may be sacrificed, but unlike
/// <see cref="Mgda"/> the update should not shrink to the weakest task's scale.
/// </para>
/// </remarks>
public sealed class UPGrad : LossWeighting
{
    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var space = GradientSpace.Of(TaskGradients(taskLosses, context), context, nameof(UPGrad));
        var weights = Weights(space.Gram);
        double objective = BackwardWithSharedGradient(taskLosses, space.Combine(weights, context.SharedNumel), context);
        return new WeightingResult(space.PerTask(weights), objective);
    }

    /// <summary>UPGrad's coefficients from the Gram matrix: the mean of the projection weights of every eᵢ.</summary>
    internal static double[] Weights(double[,] gram)
    {
        int n = gram.GetLength(0);
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            var unit = new double[n];
            unit[i] = 1;
            var projected = DualCone.ProjectWeights(gram, unit);
            for (int j = 0; j < n; j++) weights[j] += projected[j] / n;
        }
        return weights;
    }
}
