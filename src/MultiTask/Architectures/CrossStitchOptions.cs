namespace MultiTask.Architectures;

/// <summary>What <see cref="CrossStitchModel.Create"/> builds: MLP columns with a cross-stitch unit after each hidden layer, and MLP heads.</summary>
public sealed record CrossStitchOptions
{
    /// <summary>Each column's hidden sizes (at least one); a cross-stitch unit follows each.</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [64, 64];

    /// <summary>Each head's hidden sizes before its output Linear; empty (the default) for a single Linear.</summary>
    public IReadOnlyList<int> Head { get; init; } = [];

    /// <summary>The initial α_ii (a); α_ij starts at (1 − a)/(T − 1).</summary>
    public double SelfWeight { get; init; } = 0.9;

    /// <summary>Learn one α matrix per channel instead of one per layer.</summary>
    public bool PerChannel { get; init; }

    /// <summary>Activation, layer norm and dropout of every hidden layer.</summary>
    public MlpOptions Mlp { get; init; } = new();

    /// <summary>The vector size of an embedding-encoded categorical feature given its number of categories; null for <see cref="EmbeddingInput"/>'s rule.</summary>
    public Func<int, int>? EmbeddingSize { get; init; }

    internal static CrossStitchOptions Of(int[] hidden, int[]? head, double selfWeight, bool perChannel, MlpOptions? mlp)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        return new CrossStitchOptions { Hidden = hidden, Head = head ?? [], SelfWeight = selfWeight, PerChannel = perChannel, Mlp = mlp ?? new MlpOptions() };
    }

    internal void Validate()
    {
        if (Hidden is null || Hidden.Count == 0)
            throw new ArgumentException("Cross-stitch units sit between hidden layers, so the columns need at least one hidden size, e.g. Hidden = [64].", nameof(Hidden));
        if (Head is null) throw new ArgumentException("CrossStitchOptions.Head must not be null; use [] for a single Linear head.", nameof(Head));
        if (Mlp is null) throw new ArgumentException("CrossStitchOptions.Mlp must not be null; use new MlpOptions() for the defaults.", nameof(Mlp));
        Mlp.Validate();
    }
}
