namespace MultiTask.Architectures;

/// <summary>
/// Hyper-parameters of <see cref="PeriodicEmbedding"/> (the PLR embedding of numeric features). The
/// defaults are those of the authors' reference implementation (rtdl_num_embeddings).
/// </summary>
public sealed record PeriodicEmbeddingOptions
{
    /// <summary>k: the number of learned frequencies per feature (the periodic part has 2k values: k sines, k cosines).</summary>
    public int Frequencies { get; init; } = 48;

    /// <summary>
    /// σ: the frequencies start as N(0, σ²) truncated at ±3σ. The most important setting: a small σ
    /// starts close to a linear function of the feature (sin(2πcx) ≈ 2πcx), a large σ starts with
    /// high-frequency features that fit fine detail (and noise). Inputs are standardised, so σ is
    /// measured against a feature's standard deviation.
    /// </summary>
    public double Sigma { get; init; } = 0.01;

    /// <summary>d: the size of each feature's embedding (the output of its Linear(2k → d) + Relu).</summary>
    public int Size { get; init; } = 24;

    /// <summary>The numeric features to embed, by schema name; null (the default) embeds every numeric feature.</summary>
    public IReadOnlyList<string>? Features { get; init; }

    internal void Validate()
    {
        if (Frequencies < 1)
            throw new ArgumentOutOfRangeException(nameof(Frequencies), Frequencies, $"PeriodicEmbeddingOptions.Frequencies (k) must be at least 1, got {Frequencies}.");
        if (!(Sigma > 0 && double.IsFinite(Sigma)))
            throw new ArgumentOutOfRangeException(nameof(Sigma), Sigma, $"PeriodicEmbeddingOptions.Sigma (σ) must be positive and finite, got {Sigma}; 0.01–1 is the usual range.");
        if (Size < 1)
            throw new ArgumentOutOfRangeException(nameof(Size), Size, $"PeriodicEmbeddingOptions.Size (d) must be at least 1, got {Size}.");
    }
}
