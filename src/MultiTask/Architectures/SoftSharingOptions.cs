using MultiTask.Engine.NN;

namespace MultiTask.Architectures;

/// <summary>What <see cref="SoftSharingModel.Create"/> builds: one MLP column and head per task, tied by a parameter-distance penalty.</summary>
public sealed record SoftSharingOptions
{
    /// <summary>Each column's hidden sizes (at least one; the penalty ties them).</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [64, 64];

    /// <summary>Each head's hidden sizes before its output Linear; empty (the default) for a single Linear.</summary>
    public IReadOnlyList<int> Head { get; init; } = [];

    /// <summary>The penalty weight λ (≥ 0).</summary>
    public double Strength { get; init; } = 1e-3;

    /// <summary>How the distance between columns is measured.</summary>
    public SoftSharingDistance Distance { get; init; } = SoftSharingDistance.ToMean;

    /// <summary>Also tie the heads (all tasks must then have the same output width).</summary>
    public bool PenalizeHeads { get; init; }

    /// <summary>Activation, layer norm and dropout of every hidden layer.</summary>
    public MlpOptions Mlp { get; init; } = new();

    /// <summary>The vector size of an embedding-encoded categorical feature given its number of categories; null for <see cref="EmbeddingInput"/>'s rule.</summary>
    public Func<int, int>? EmbeddingSize { get; init; }

    internal static SoftSharingOptions Of(int[] hidden, int[]? head, double strength, SoftSharingDistance distance, bool penalizeHeads, MlpOptions? mlp)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        return new SoftSharingOptions { Hidden = hidden, Head = head ?? [], Strength = strength, Distance = distance, PenalizeHeads = penalizeHeads, Mlp = mlp ?? new MlpOptions() };
    }

    internal void Validate()
    {
        if (Hidden is null || Hidden.Count == 0)
            throw new ArgumentException("Soft sharing ties the tasks' hidden layers, so it needs at least one hidden size, e.g. Hidden = [64].", nameof(Hidden));
        if (Head is null) throw new ArgumentException("SoftSharingOptions.Head must not be null; use [] for a single Linear head.", nameof(Head));
        if (Mlp is null) throw new ArgumentException("SoftSharingOptions.Mlp must not be null; use new MlpOptions() for the defaults.", nameof(Mlp));
        Mlp.Validate();
    }
}
