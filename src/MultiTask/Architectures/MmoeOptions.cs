namespace MultiTask.Architectures;

/// <summary>
/// What <see cref="MmoeModel.Create"/> builds: the input layers, <see cref="Experts"/> MLP experts, one gate and one
/// MLP tower per task.
/// </summary>
/// <remarks>
/// Parameter names: <c>input.embeddings.*</c>, <c>input.periodic.*</c> (input layers, when the encoder needs them),
/// <c>experts.&lt;i&gt;.*</c>, <c>gates.&lt;task&gt;.*</c> and <c>towers.&lt;task&gt;.*</c>; the input layers and the
/// experts are shared, a gate and a tower belong to their task.
/// </remarks>
public sealed record MmoeOptions
{
    /// <summary>The number of experts (at least 1).</summary>
    public int Experts { get; init; } = 4;

    /// <summary>Each expert's hidden sizes (at least one); the last is the width of the expert's output, which the towers read.</summary>
    public IReadOnlyList<int> ExpertHidden { get; init; } = [32];

    /// <summary>Each tower's hidden sizes before its output Linear; empty for a single Linear.</summary>
    public IReadOnlyList<int> TowerHidden { get; init; } = [16];

    /// <summary>Activation, layer norm and dropout of the experts' and towers' hidden layers.</summary>
    public MlpOptions Mlp { get; init; } = new();

    /// <summary>The kind of each task's gate.</summary>
    public ExpertGateKind Gate { get; init; } = ExpertGateKind.Softmax;

    /// <summary>The settings of DSelect-k gates (used when <see cref="Gate"/> is <see cref="ExpertGateKind.DSelectK"/>).</summary>
    public DSelectKOptions DSelectK { get; init; } = new();

    /// <summary>Periodic (PLR) embeddings of the numeric features as an input layer (<see cref="PeriodicEmbedding"/>); null (the default) for none.</summary>
    public PeriodicEmbeddingOptions? NumericEmbedding { get; init; }

    /// <summary>The vector size of an embedding-encoded categorical feature given its number of categories; null for <see cref="EmbeddingInput"/>'s rule.</summary>
    public Func<int, int>? EmbeddingSize { get; init; }

    internal void Validate()
    {
        if (Experts < 1)
            throw new ArgumentOutOfRangeException(nameof(Experts), Experts, $"MmoeOptions.Experts must be at least 1, got {Experts}.");
        ExpertModels.CheckExpertHidden(ExpertHidden, "MmoeOptions");
        if (TowerHidden is null) throw new ArgumentException("MmoeOptions.TowerHidden must not be null; use [] for a single Linear tower.", nameof(TowerHidden));
        if (Mlp is null) throw new ArgumentException("MmoeOptions.Mlp must not be null; use new MlpOptions() for the defaults.", nameof(Mlp));
        ExpertModels.CheckGate(Gate, DSelectK, "MmoeOptions");
        Mlp.Validate();
        NumericEmbedding?.Validate();
        if (Gate == ExpertGateKind.DSelectK && DSelectK.SelectedExperts > Experts)
            throw new ArgumentException(
                $"MmoeOptions.DSelectK.SelectedExperts (k = {DSelectK.SelectedExperts}) is larger than MmoeOptions.Experts ({Experts}); a gate selects k of the experts.", nameof(DSelectK));
    }
}
