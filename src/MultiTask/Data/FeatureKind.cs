namespace MultiTask.Data;

/// <summary>Whether an input feature is a number or a category.</summary>
public enum FeatureKind
{
    /// <summary>A real number, standardised with training statistics.</summary>
    Numeric,

    /// <summary>One of a fixed list of category names.</summary>
    Categorical,
}
