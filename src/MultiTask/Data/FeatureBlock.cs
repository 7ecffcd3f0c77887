namespace MultiTask.Data;

/// <summary>
/// Where one feature sits in the encoded input matrix: its value columns
/// <c>[Start, Start + Width)</c> and, when it has one, its presence column.
/// </summary>
/// <param name="Feature">The schema feature (its <see cref="FeatureSpec.Cardinality"/> sizes an embedding table).</param>
/// <param name="Start">The first value column.</param>
/// <param name="Width">The number of value columns (1, k for one-hot, or the fitted bin count of a piecewise-linear feature).</param>
/// <param name="PresenceColumn">The presence column, or -1 when the feature has none.</param>
public sealed record FeatureBlock(FeatureSpec Feature, int Start, int Width, int PresenceColumn)
{
    /// <summary>Whether the feature has a presence column.</summary>
    public bool HasPresence => PresenceColumn >= 0;

    /// <summary>All columns of the feature: value columns, then the presence column if any.</summary>
    public IReadOnlyList<int> Columns =>
        HasPresence ? [.. Enumerable.Range(Start, Width), PresenceColumn] : [.. Enumerable.Range(Start, Width)];
}
