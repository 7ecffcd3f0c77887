namespace MultiTask.Data;

/// <summary>Draws every task with labels with the same probability 1 / (number of such tasks).</summary>
public sealed class UniformTaskSampler : TaskSampler
{
    /// <inheritdoc/>
    protected override double[] ComputeWeights() => LabelCounts.Select(_ => 1.0).ToArray();
}
