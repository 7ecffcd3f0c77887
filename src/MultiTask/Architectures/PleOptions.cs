namespace MultiTask.Architectures;

/// <summary>
/// What <see cref="PleModel.Create"/> builds: the input layers, <see cref="Levels"/> extraction levels of shared and
/// task-specific MLP experts with their gates, and one MLP tower per task. One level is CGC (customized gate control).
/// </summary>
/// <remarks>
/// Parameter names (level l from 0): <c>input.*</c>, <c>shared_experts.&lt;l&gt;.&lt;i&gt;.*</c>,
/// <c>task_experts.&lt;l&gt;.&lt;task&gt;.&lt;i&gt;.*</c>, <c>task_gates.&lt;l&gt;.&lt;task&gt;.*</c>,
/// <c>shared_gates.&lt;l&gt;.*</c> (every level but the last) and <c>towers.&lt;task&gt;.*</c>; see
/// <see cref="PleModel"/> for which of them are shared.
/// </remarks>
public sealed record PleOptions : ExpertModelOptions
{
    /// <summary>The number of extraction levels (at least 1); 1 builds CGC.</summary>
    public int Levels { get; init; } = 2;

    /// <summary>The number of shared experts per level (at least 1).</summary>
    public int SharedExperts { get; init; } = 2;

    /// <summary>The number of experts of each task per level (at least 0).</summary>
    public int TaskExperts { get; init; } = 1;

    internal void Validate()
    {
        if (Levels < 1) throw new ArgumentOutOfRangeException(nameof(Levels), Levels, $"PleOptions.Levels must be at least 1 (1 builds CGC), got {Levels}.");
        if (SharedExperts < 1)
            throw new ArgumentOutOfRangeException(nameof(SharedExperts), SharedExperts, $"PleOptions.SharedExperts must be at least 1, got {SharedExperts}.");
        if (TaskExperts < 0)
            throw new ArgumentOutOfRangeException(nameof(TaskExperts), TaskExperts, $"PleOptions.TaskExperts must be at least 0, got {TaskExperts}.");
        ValidateShared("PleOptions");
        if (Gate == ExpertGateKind.DSelectK && DSelectK.SelectedExperts > TaskExperts + SharedExperts)
            throw new ArgumentException(
                $"PleOptions.DSelectK.SelectedExperts (k = {DSelectK.SelectedExperts}) is larger than the {TaskExperts + SharedExperts} experts a task gate mixes " +
                "(TaskExperts + SharedExperts); choose a smaller k or more experts.", nameof(DSelectK));
    }
}
