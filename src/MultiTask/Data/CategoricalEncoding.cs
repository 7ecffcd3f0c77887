namespace MultiTask.Data;

/// <summary>How a categorical feature becomes input columns.</summary>
public enum CategoricalEncoding
{
    /// <summary>One 0/1 column per category; an unknown or missing value is all zeros.</summary>
    OneHot,

    /// <summary>
    /// One column holding an integer index for an embedding table of
    /// <see cref="FeatureSpec.Cardinality"/> rows: category i has index i + 1, and index 0 is reserved
    /// for unknown and missing values.
    /// </summary>
    Embedding,
}
