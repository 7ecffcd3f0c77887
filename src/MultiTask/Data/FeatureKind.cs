namespace MultiTask.Data;

/// <summary>Whether an input feature is a number or a category.</summary>
public enum FeatureKind
{
    /// <summary>A real number, encoded with training statistics (see <see cref="NumericEncoding"/>).</summary>
    Numeric,

    /// <summary>One of a fixed list of category names.</summary>
    Categorical,
}
