namespace MultiTask.Data;

/// <summary>What one column of the encoded input matrix holds.</summary>
public enum EncodedColumnKind
{
    /// <summary>A numeric feature scaled to one column (standard, robust or quantile; 0 where missing).</summary>
    Numeric,

    /// <summary>One category of a one-hot feature (0/1).</summary>
    OneHot,

    /// <summary>An embedding index 0..Cardinality-1 stored as a float (0 = unknown or missing); not a number to multiply.</summary>
    EmbeddingIndex,

    /// <summary>A presence flag: 1 when the feature has a value in the row, 0 when it is missing.</summary>
    Presence,

    /// <summary>
    /// One bin of a piecewise-linear numeric feature: 1 when the value is above the bin, its fractional
    /// position inside it, 0 below (0 in every bin where missing).
    /// </summary>
    PiecewiseLinear,
}
