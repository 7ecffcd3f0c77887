namespace MultiTask.Data;

/// <summary>One input feature of a <see cref="FeatureSchema"/>.</summary>
public sealed class FeatureSpec
{
    internal FeatureSpec(string name, FeatureKind kind, IReadOnlyList<string> categories, CategoricalEncoding encoding, NumericOptions? numericOptions = null)
    {
        Name = name;
        Kind = kind;
        Categories = categories;
        Encoding = encoding;
        NumericOptions = kind == FeatureKind.Numeric ? numericOptions ?? new NumericOptions() : null;
    }

    /// <summary>The feature name, which is also the column it is read from unless a column map says otherwise.</summary>
    public string Name { get; }

    /// <summary>Numeric or categorical.</summary>
    public FeatureKind Kind { get; }

    /// <summary>The known categories in index order (empty for numeric features).</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>How a categorical feature is encoded (ignored for numeric features).</summary>
    public CategoricalEncoding Encoding { get; }

    /// <summary>How a numeric feature is encoded (scaling, quantile map or piecewise-linear bins, optional log step); null for categorical features.</summary>
    public NumericOptions? NumericOptions { get; }

    /// <summary>
    /// The embedding table size of an embedding-encoded categorical feature: the category count plus
    /// one for the reserved unknown/missing index 0. For other features, 0.
    /// </summary>
    public int Cardinality => Kind == FeatureKind.Categorical && Encoding == CategoricalEncoding.Embedding ? Categories.Count + 1 : 0;

    /// <summary>
    /// The number of value columns the feature takes in the encoded input (1, k for one-hot, or the
    /// requested bins T for piecewise-linear), presence column excluded. For piecewise-linear this is an
    /// upper bound: tied training quantiles give fewer bins, see <see cref="FeatureBlock.Width"/>.
    /// </summary>
    public int EncodedWidth => Kind == FeatureKind.Categorical && Encoding == CategoricalEncoding.OneHot ? Categories.Count
        : NumericOptions is { Encoding: NumericEncoding.PiecewiseLinear } o ? o.Bins : 1;

    internal bool SameAs(FeatureSpec other) =>
        Name == other.Name && Kind == other.Kind && Encoding == other.Encoding && Categories.SequenceEqual(other.Categories)
        && Equals(NumericOptions, other.NumericOptions);

    /// <inheritdoc/>
    public override string ToString() => Kind == FeatureKind.Numeric
        ? NumericOptions is { Encoding: NumericEncoding.Standard, Log: false } ? $"{Name} (numeric)" : $"{Name} (numeric, {NumericOptions})"
        : $"{Name} (categorical, {Encoding}: {string.Join(", ", Categories)})";
}
