using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Geometric Loss Strategy (GLS): minimises the geometric mean of the task losses, which is invariant to
/// each loss's scale.
/// </summary>
/// <remarks>
/// <para>
/// Chennupati, Sistu, Yogamani and Rawashdeh, "MultiNet++: Multi-Stream Feature Aggregation and Geometric
/// Loss Strategy for Multi-Task Learning", CVPR Workshops 2019, §3.2. Over the K tasks present in the batch,
/// </para>
/// <para>L = (Πᵢ Lᵢ)^(1/K) = exp((1/K)·Σᵢ log Lᵢ),</para>
/// <para>
/// so ∂L/∂θ = Σᵢ L/(K·Lᵢ)·∂Lᵢ/∂θ: the reported weight of task i is L/(K·Lᵢ). Multiplying one loss by a
/// constant multiplies L by a constant and leaves every direction unchanged, so no task dominates by units
/// alone, and a task whose loss is small gets a large weight. There are no hyper-parameters and no state.
/// </para>
/// <para>
/// Every loss must be positive (the logarithm of 0 or of a negative number is undefined): a Gaussian negative
/// log-likelihood, which can be negative, does not fit. Use it when losses have different scales and none
/// should be allowed to reach 0 (it pushes hardest on the tasks already fitted best).
/// </para>
/// </remarks>
public sealed class Gls : LossWeighting
{
    /// <inheritdoc />
    /// <exception cref="ArgumentException">A loss is not positive.</exception>
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        Tensor? logSum = null;
        int present = 0;
        for (int i = 0; i < taskLosses.Count; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            double value = loss.Item();
            if (value <= 0)
                throw new ArgumentException(
                    $"GLS takes the logarithm of every loss, but task '{context.TaskNames[i]}' has loss {value} at step {context.Step}; use it only with positive losses (e.g. MSE, cross-entropy).",
                    nameof(taskLosses));
            logSum = logSum is null ? loss.Log() : logSum + loss.Log();
            present++;
        }
        var geometricMean = (logSum! * (1f / present)).Exp();
        double mean = geometricMean.Item();
        var weights = new double[taskLosses.Count];
        for (int i = 0; i < taskLosses.Count; i++)
        {
            if (taskLosses[i] is { } loss) weights[i] = mean / (present * loss.Item());
        }
        return new WeightingResult(weights, BackwardObjective(geometricMean, context));
    }
}
