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
public sealed record PleOptions
{
    /// <summary>The number of extraction levels (at least 1); 1 builds CGC.</summary>
    public int Levels { get; init; } = 2;

    /// <summary>The number of shared experts per level (at least 1).</summary>
    public int SharedExperts { get; init; } = 2;

    /// <summary>The number of experts of each task per level (at least 0).</summary>
    public int TaskExperts { get; init; } = 1;

    /// <summary>Each expert's hidden sizes (at least one); the last is the width of every expert's output, which the next level and the towers read.</summary>
    public IReadOnlyList<int> ExpertHidden { get; init; } = [32];

    /// <summary>Each tower's hidden sizes before its output Linear; empty for a single Linear.</summary>
    public IReadOnlyList<int> TowerHidden { get; init; } = [16];

    /// <summary>Activation, layer norm and dropout of the experts' and towers' hidden layers.</summary>
    public MlpOptions Mlp { get; init; } = new();

    /// <summary>The kind of every gate (task gates and shared gates).</summary>
    public ExpertGateKind Gate { get; init; } = ExpertGateKind.Softmax;

    /// <summary>The settings of DSelect-k gates (used when <see cref="Gate"/> is <see cref="ExpertGateKind.DSelectK"/>).</summary>
    public DSelectKOptions DSelectK { get; init; } = new();

    /// <summary>Periodic (PLR) embeddings of the numeric features as an input layer (<see cref="PeriodicEmbedding"/>); null (the default) for none.</summary>
    public PeriodicEmbeddingOptions? NumericEmbedding { get; init; }

    /// <summary>The vector size of an embedding-encoded categorical feature given its number of categories; null for <see cref="EmbeddingInput"/>'s rule.</summary>
    public Func<int, int>? EmbeddingSize { get; init; }

    internal void Validate()
    {
        if (Levels < 1) throw new ArgumentOutOfRangeException(nameof(Levels), Levels, $"PleOptions.Levels must be at least 1 (1 builds CGC), got {Levels}.");
        if (SharedExperts < 1)
            throw new ArgumentOutOfRangeException(nameof(SharedExperts), SharedExperts, $"PleOptions.SharedExperts must be at least 1, got {SharedExperts}.");
        if (TaskExperts < 0)
            throw new ArgumentOutOfRangeException(nameof(TaskExperts), TaskExperts, $"PleOptions.TaskExperts must be at least 0, got {TaskExperts}.");
        ExpertModels.CheckExpertHidden(ExpertHidden, "PleOptions");
        if (TowerHidden is null) throw new ArgumentException("PleOptions.TowerHidden must not be null; use [] for a single Linear tower.", nameof(TowerHidden));
        if (Mlp is null) throw new ArgumentException("PleOptions.Mlp must not be null; use new MlpOptions() for the defaults.", nameof(Mlp));
        ExpertModels.CheckGate(Gate, DSelectK, "PleOptions");
        Mlp.Validate();
        NumericEmbedding?.Validate();
        if (Gate == ExpertGateKind.DSelectK && DSelectK.SelectedExperts > TaskExperts + SharedExperts)
            throw new ArgumentException(
                $"PleOptions.DSelectK.SelectedExperts (k = {DSelectK.SelectedExperts}) is larger than the {TaskExperts + SharedExperts} experts a task gate mixes " +
                "(TaskExperts + SharedExperts); choose a smaller k or more experts.", nameof(DSelectK));
    }
}
