namespace MultiTask.Data;

/// <summary>A categorical value that is not among its feature's categories, and how many rows hold it.</summary>
/// <param name="Feature">The categorical feature.</param>
/// <param name="Value">The unrecognised value (trimmed).</param>
/// <param name="Count">The number of rows holding it.</param>
public sealed record UnknownCategory(string Feature, string Value, int Count);
