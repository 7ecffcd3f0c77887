using System.Globalization;
using System.Text;

namespace MultiTask.Diagnostics;

/// <summary>
/// How a model's tasks related during training, measured by <see cref="TaskRelatednessMonitor"/>: gradient cosines and
/// conflict frequencies on the shared parameters and the inter-task affinity, over the run and per epoch.
/// </summary>
public sealed class TaskRelatedness
{
    internal TaskRelatedness(int sampledSteps, int every, TaskMatrix cosine, TaskMatrix conflictFrequency, TaskMatrix? affinity,
        IReadOnlyList<TaskRelatednessEpoch> epochs)
    {
        SampledSteps = sampledSteps;
        Every = every;
        Cosine = cosine;
        ConflictFrequency = conflictFrequency;
        Affinity = affinity;
        Epochs = epochs;
    }

    /// <summary>The task names, in matrix order.</summary>
    public IReadOnlyList<string> TaskNames => Cosine.TaskNames;

    /// <summary>The number of steps measured.</summary>
    public int SampledSteps { get; }

    /// <summary>The sampling interval in global steps.</summary>
    public int Every { get; }

    /// <summary>
    /// The mean over sampled steps of cos(∇Lᵢ, ∇Lⱼ) on the shared parameters (symmetric; 1 on the diagonal; NaN for a pair
    /// never labelled in the same sampled batch).
    /// </summary>
    public TaskMatrix Cosine { get; }

    /// <summary>The share of sampled steps on which the two tasks' gradients had a negative cosine (symmetric).</summary>
    public TaskMatrix ConflictFrequency { get; }

    /// <summary>
    /// The mean inter-task affinity Z[i→j] = 1 − Lⱼ(θ − η∇Lᵢ) / Lⱼ(θ): row i is the task whose gradient step was taken, column j
    /// the task whose loss changed. Positive: a step for i helps j. Null when the monitor did not measure affinity.
    /// </summary>
    public TaskMatrix? Affinity { get; }

    /// <summary>The same measurements per epoch (means over each epoch's sampled steps), oldest first.</summary>
    public IReadOnlyList<TaskRelatednessEpoch> Epochs { get; }

    /// <summary>
    /// Suggests at most <paramref name="groups"/> task groups from <see cref="Affinity"/> (see <see cref="TaskGrouping"/>):
    /// the exact optimum for up to <see cref="TaskGrouping.MaxExactTasks"/> tasks, the greedy heuristic above.
    /// </summary>
    /// <param name="groups">The budget k of groups.</param>
    /// <returns>The grouping.</returns>
    /// <exception cref="InvalidOperationException">The affinity was not measured.</exception>
    public TaskGrouping SuggestGroups(int groups)
    {
        var affinity = Affinity ?? throw new InvalidOperationException(
            "The affinity was not measured; create the TaskRelatednessMonitor with measureAffinity: true.");
        return affinity.Count <= TaskGrouping.MaxExactTasks ? TaskGrouping.Exact(affinity, groups) : TaskGrouping.Greedy(affinity, groups);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Task relatedness over {SampledSteps} sampled steps (every {Every}), {Epochs.Count} epochs").AppendLine();
        sb.AppendLine("gradient cosine (shared parameters):").Append(Cosine);
        sb.AppendLine("conflict frequency (share of steps with negative cosine):").Append(ConflictFrequency);
        if (Affinity is not null) sb.AppendLine("affinity Z[row -> column] = 1 - L_column(after step on row) / L_column(before):").Append(Affinity.ToString(AffinityFormat(Affinity)));
        return sb.ToString();
    }

    /// <summary>Enough decimals for three significant digits of the largest entry: affinities scale with the lookahead step.</summary>
    private static string AffinityFormat(TaskMatrix affinity)
    {
        double largest = 0;
        for (int i = 0; i < affinity.Count; i++)
            for (int j = 0; j < affinity.Count; j++)
                if (double.IsFinite(affinity[i, j])) largest = Math.Max(largest, Math.Abs(affinity[i, j]));
        int decimals = largest > 0 ? Math.Clamp(2 - (int)Math.Floor(Math.Log10(largest)), 3, 8) : 3;
        return "0." + new string('0', decimals);
    }
}
