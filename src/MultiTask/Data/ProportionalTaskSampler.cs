namespace MultiTask.Data;

/// <summary>Draws task t with probability p_t = n_t / Σ_s n_s, n_t being its labelled rows (examples are seen as often as in joint batching).</summary>
public sealed class ProportionalTaskSampler : TaskSampler
{
    /// <inheritdoc/>
    protected override double[] ComputeWeights() => LabelCounts.Select(n => (double)n).ToArray();
}
