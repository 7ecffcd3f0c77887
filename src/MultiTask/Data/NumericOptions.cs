namespace MultiTask.Data;

/// <summary>How one numeric feature is encoded: its <see cref="NumericEncoding"/> and an optional log step.</summary>
/// <example><code>
/// var schema = new FeatureSchema()
///     .Numeric("beds")                                          // standardised
///     .Numeric("lot_area", new NumericOptions { Encoding = NumericEncoding.Robust, Log = true })
///     .Numeric("sqft", NumericEncoding.PiecewiseLinear);       // 48 quantile bins
/// </code></example>
public sealed record NumericOptions
{
    /// <summary>The default number of piecewise-linear bins, as in the paper's reference package (<c>rtdl_num_embeddings</c>).</summary>
    public const int DefaultBins = 48;

    /// <summary>The encoding (default <see cref="NumericEncoding.Standard"/>).</summary>
    public NumericEncoding Encoding { get; init; } = NumericEncoding.Standard;

    /// <summary>
    /// Whether values go through <c>log(1 + x)</c> before the encoding, for non-negative right-skewed
    /// features such as areas or counts; a negative value is an error.
    /// </summary>
    public bool Log { get; init; }

    /// <summary>The number of bins T of <see cref="NumericEncoding.PiecewiseLinear"/> (2..1024; default <see cref="DefaultBins"/>); ignored by other encodings.</summary>
    public int Bins { get; init; } = DefaultBins;

    internal NumericOptions Validated(string feature)
    {
        if (!Enum.IsDefined(Encoding))
            throw new ArgumentOutOfRangeException(nameof(Encoding), $"Unknown numeric encoding {Encoding} for feature '{feature}'.");
        if (Bins is < 2 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(Bins), $"Feature '{feature}' asks for {Bins} piecewise-linear bins; use 2..1024 (default {DefaultBins}).");
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Encoding}{(Encoding == NumericEncoding.PiecewiseLinear ? $", {Bins} bins" : "")}{(Log ? ", log1p" : "")}";
}
