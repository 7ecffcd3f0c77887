namespace MultiTask.Data;

/// <summary>
/// The input features of a multi-task model: the union of every task's features, each numeric or
/// categorical. Built fluently and immutable: each call returns a new schema.
/// </summary>
/// <example><code>
/// var schema = new FeatureSchema()
///     .Numeric("size_sqft", NumericEncoding.PiecewiseLinear).Numeric("bedrooms").Numeric("bathrooms")
///     .Categorical("location", "downtown", "suburb", "rural");
/// </code></example>
/// <remarks>
/// Encoding rules (applied by <see cref="FeatureEncoder"/>):
/// <list type="bullet">
/// <item>A numeric feature is by default standardised with the mean and population standard deviation
/// of the <b>training</b> rows where it is present (a standard deviation of 0 is replaced by 1); other
/// encodings (<see cref="NumericEncoding"/>: robust, quantile, piecewise-linear bins) and a log step
/// are chosen per feature with <see cref="Numeric(string, NumericOptions)"/>, all fitted on the
/// training rows. A missing numeric value (empty cell, NA, NaN, or a column the row's table lacks)
/// encodes as 0 in every value column (for standardisation: the training mean), and the feature's
/// presence column is 0.</item>
/// <item>A categorical value is matched exactly (case-sensitive, after trimming spaces). An unknown
/// category encodes as all zeros (one-hot) or as the reserved index 0 (embedding) and is counted in
/// <see cref="EncodedData.UnknownCategoryCounts"/> and <see cref="MultiTaskDataset.UnknownCategories"/>
/// so the caller can warn; its presence flag stays 1 because a value was given. A missing category
/// encodes the same way with presence 0.</item>
/// </list>
/// </remarks>
public sealed class FeatureSchema
{
    private readonly FeatureSpec[] _features;

    /// <summary>Creates an empty schema.</summary>
    public FeatureSchema() => _features = [];

    private FeatureSchema(FeatureSpec[] features) => _features = features;

    /// <summary>The features in declaration order, which is also their order in the encoded input.</summary>
    public IReadOnlyList<FeatureSpec> Features => _features;

    /// <summary>The feature names in declaration order.</summary>
    public IReadOnlyList<string> Names => _features.Select(f => f.Name).ToArray();

    /// <summary>The number of features.</summary>
    public int Count => _features.Length;

    /// <summary>The feature called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such feature.</exception>
    public FeatureSpec this[string name] => IndexOf(name) is var i and >= 0
        ? _features[i]
        : throw new KeyNotFoundException($"The schema has no feature '{name}' (features: {string.Join(", ", Names)}).");

    /// <summary>Whether the schema has a feature called <paramref name="name"/>.</summary>
    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The position of feature <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) => Array.FindIndex(_features, f => f.Name == name);

    /// <summary>Adds a numeric feature.</summary>
    /// <param name="name">The feature (and default column) name.</param>
    /// <returns>A new schema with the feature appended.</returns>
    public FeatureSchema Numeric(string name) => Add(new FeatureSpec(CheckName(name), FeatureKind.Numeric, [], CategoricalEncoding.OneHot));

    /// <summary>Adds a numeric feature with the given encoding (no log step, default bins).</summary>
    /// <param name="name">The feature (and default column) name.</param>
    /// <param name="encoding">Standard, robust, quantile or piecewise-linear.</param>
    /// <returns>A new schema with the feature appended.</returns>
    public FeatureSchema Numeric(string name, NumericEncoding encoding) => Numeric(name, new NumericOptions { Encoding = encoding });

    /// <summary>Adds a numeric feature with the given encoding options.</summary>
    /// <param name="name">The feature (and default column) name.</param>
    /// <param name="options">The encoding, log step and bin count.</param>
    /// <returns>A new schema with the feature appended.</returns>
    public FeatureSchema Numeric(string name, NumericOptions options)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(options);
        return Add(new FeatureSpec(name, FeatureKind.Numeric, [], CategoricalEncoding.OneHot, options.Validated(name)));
    }

    /// <summary>Adds a one-hot encoded categorical feature.</summary>
    /// <param name="name">The feature (and default column) name.</param>
    /// <param name="categories">The known categories, distinct and non-empty.</param>
    /// <returns>A new schema with the feature appended.</returns>
    public FeatureSchema Categorical(string name, params string[] categories) => Categorical(name, CategoricalEncoding.OneHot, categories);

    /// <summary>Adds a categorical feature with the given encoding.</summary>
    /// <param name="name">The feature (and default column) name.</param>
    /// <param name="encoding">One-hot columns or one embedding-index column.</param>
    /// <param name="categories">The known categories, distinct and non-empty.</param>
    /// <returns>A new schema with the feature appended.</returns>
    public FeatureSchema Categorical(string name, CategoricalEncoding encoding, params string[] categories)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(categories);
        if (categories.Length == 0)
            throw new ArgumentException($"Categorical feature '{name}' has no categories; list them, e.g. .Categorical(\"{name}\", \"a\", \"b\").", nameof(categories));
        var trimmed = new string[categories.Length];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < categories.Length; i++)
        {
            var c = categories[i]?.Trim();
            if (string.IsNullOrEmpty(c))
                throw new ArgumentException($"Categorical feature '{name}' has an empty category name at position {i}; empty cells mean 'missing', so remove it.", nameof(categories));
            if (!seen.Add(c))
                throw new ArgumentException($"Categorical feature '{name}' lists category '{c}' twice; list each once.", nameof(categories));
            trimmed[i] = c;
        }
        if (!Enum.IsDefined(encoding))
            throw new ArgumentOutOfRangeException(nameof(encoding), $"Unknown encoding {encoding} for feature '{name}'.");
        return Add(new FeatureSpec(name, FeatureKind.Categorical, trimmed, encoding));
    }

    internal bool SameAs(FeatureSchema other) =>
        _features.Length == other._features.Length && _features.Zip(other._features).All(p => p.First.SameAs(p.Second));

    private FeatureSchema Add(FeatureSpec spec)
    {
        if (Contains(spec.Name))
            throw new ArgumentException($"The schema already has a feature '{spec.Name}'; feature names must be unique.", nameof(spec));
        return new FeatureSchema([.. _features, spec]);
    }

    private static string CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("A feature name is empty; give every feature the name of its column.", nameof(name));
        return name;
    }

    /// <inheritdoc/>
    public override string ToString() => $"FeatureSchema({string.Join("; ", _features.Select(f => f.ToString()))})";
}
