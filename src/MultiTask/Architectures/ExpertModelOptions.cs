namespace MultiTask.Architectures;

/// <summary>What every expert model (<see cref="MmoeOptions"/>, <see cref="PleOptions"/>) builds alike: its experts' and towers' MLPs, its gates and its input layers.</summary>
public abstract record ExpertModelOptions
{
    /// <summary>Each expert's hidden sizes (at least one); the last is the width of the expert's output, which the next level and the towers read.</summary>
    public IReadOnlyList<int> ExpertHidden { get; init; } = [32];

    /// <summary>Each tower's hidden sizes before its output Linear; empty for a single Linear.</summary>
    public IReadOnlyList<int> TowerHidden { get; init; } = [16];

    /// <summary>Activation, layer norm and dropout of the experts' and towers' hidden layers.</summary>
    public MlpOptions Mlp { get; init; } = new();

    /// <summary>The kind of every gate.</summary>
    public ExpertGateKind Gate { get; init; } = ExpertGateKind.Softmax;

    /// <summary>The settings of DSelect-k gates (used when <see cref="Gate"/> is <see cref="ExpertGateKind.DSelectK"/>).</summary>
    public DSelectKOptions DSelectK { get; init; } = new();

    /// <summary>Periodic (PLR) embeddings of the numeric features as an input layer (<see cref="PeriodicEmbedding"/>); null (the default) for none.</summary>
    public PeriodicEmbeddingOptions? NumericEmbedding { get; init; }

    /// <summary>The vector size of an embedding-encoded categorical feature given its number of categories; null for <see cref="EmbeddingInput"/>'s rule.</summary>
    public Func<int, int>? EmbeddingSize { get; init; }

    /// <summary>Checks the shared settings; <paramref name="owner"/> names the options record in messages.</summary>
    private protected void ValidateShared(string owner)
    {
        ExpertModels.CheckExpertHidden(ExpertHidden, owner);
        if (TowerHidden is null) throw new ArgumentException($"{owner}.TowerHidden must not be null; use [] for a single Linear tower.", nameof(TowerHidden));
        if (Mlp is null) throw new ArgumentException($"{owner}.Mlp must not be null; use new MlpOptions() for the defaults.", nameof(Mlp));
        ExpertModels.CheckGate(Gate, DSelectK, owner);
        Mlp.Validate();
        NumericEmbedding?.Validate();
    }
}
