namespace MultiTask.Diagnostics;

/// <summary>The task-relatedness measurements of one epoch (means over that epoch's sampled steps).</summary>
public sealed class TaskRelatednessEpoch
{
    internal TaskRelatednessEpoch(int epoch, int sampledSteps, TaskMatrix cosine, TaskMatrix conflictFrequency, TaskMatrix? affinity)
    {
        Epoch = epoch;
        SampledSteps = sampledSteps;
        Cosine = cosine;
        ConflictFrequency = conflictFrequency;
        Affinity = affinity;
    }

    /// <summary>The 0-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The number of steps measured in this epoch.</summary>
    public int SampledSteps { get; }

    /// <summary>The mean cosine between the tasks' gradients on the shared parameters (symmetric, NaN where never measured).</summary>
    public TaskMatrix Cosine { get; }

    /// <summary>The share of measured steps with a negative cosine (symmetric).</summary>
    public TaskMatrix ConflictFrequency { get; }

    /// <summary>The mean inter-task affinity Z[i→j], or null when affinity was not measured.</summary>
    public TaskMatrix? Affinity { get; }
}
