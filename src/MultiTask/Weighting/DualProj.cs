using MultiTask.Engine.Tensors;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Weighting;

/// <summary>
/// DualProj: the mean of the task gradients, projected onto the dual cone of the task gradients (the
/// directions that increase no task's loss to first order).
/// </summary>
/// <remarks>
/// <para>
/// Quinton and Rey, "Jacobian Descent for Multi-Objective Optimization", 2024 (torchjd's <c>DualProj</c> with
/// its default mean preference). With gᵢ the task gradients on the shared parameters and g₀ their mean, the
/// shared parameters get the projection of g₀ onto {x : gⱼ·x ≥ 0 for every j}: Σⱼ vⱼgⱼ with
/// v = argmin vᵀGv subject to v ≥ 1/T (their Proposition 1, solved exactly by
/// <see cref="DualCone.ProjectWeights"/>). When no task conflicts with the mean it is the mean itself.
/// </para>
/// <para>
/// Task-specific parameters get their ordinary gradients; the reported weights are the vᵢ. Use it as the
/// cheaper sibling of <see cref="UPGrad"/> (one projection instead of T): the mean gradient, with only the
/// part that would increase some task's loss removed.
/// </para>
/// </remarks>
public sealed class DualProj : LossWeighting
{
    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var space = GradientSpace.Of(TaskGradients(taskLosses, context), context, nameof(DualProj));
        int n = space.Present.Length;
        var weights = DualCone.ProjectWeights(space.Gram, Enumerable.Repeat(1.0 / n, n).ToArray());
        double objective = BackwardWithSharedGradient(taskLosses, space.Combine(weights, context.SharedNumel), context);
        return new WeightingResult(space.PerTask(weights), objective);
    }
}
