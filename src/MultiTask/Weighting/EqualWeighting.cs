using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>Every task counts the same: the objective is the plain sum of the task losses.</summary>
/// <remarks>
/// <para>Objective: L = Σᵢ Lᵢ, so wᵢ = 1 for every task with labels in the batch.</para>
/// <para>
/// The baseline every multi-task paper compares against ("EW" in Lin et al., "Reasonable Effectiveness
/// of Random Weighting: A Litmus Test for Multi-Task Learning", TMLR 2022, and in LibMTL). It is hard
/// to beat when the losses have similar scales.
/// </para>
/// </remarks>
public sealed class EqualWeighting : LossWeighting
{
    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var weights = new double[taskLosses.Count];
        Array.Fill(weights, 1.0);
        double objective = BackwardObjective(WeightedSum(taskLosses, weights), context);
        return new WeightingResult(weights, objective);
    }
}
