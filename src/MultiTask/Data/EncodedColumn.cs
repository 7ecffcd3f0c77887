namespace MultiTask.Data;

/// <summary>One column of the encoded input matrix, for diagnostics and for architectures that split the input.</summary>
/// <param name="Name">
/// Display name: <c>size_sqft</c> (numeric), <c>size_sqft:ple0</c>.. (piecewise-linear bins), <c>location=downtown</c> (one-hot),
/// <c>location:index</c> (embedding), <c>location:present</c> (presence).
/// </param>
/// <param name="Feature">The schema feature the column encodes.</param>
/// <param name="Kind">What the column holds.</param>
/// <param name="Category">The category of a one-hot column; null otherwise.</param>
public sealed record EncodedColumn(string Name, string Feature, EncodedColumnKind Kind, string? Category = null);
