using System.Collections;
using System.Globalization;

namespace MultiTask.Search;

/// <summary>How parameter values appear in tables, CSV files and messages.</summary>
internal static class ValueText
{
    /// <summary>
    /// Invariant-culture text: numbers (round-trip precision when <paramref name="roundTrip"/>), strings,
    /// sequences as <c>[a, b]</c>, other objects by their own ToString, or by type name when they have none
    /// (a factory delegate, say).
    /// </summary>
    public static string Format(object? value, bool roundTrip) => value switch
    {
        null => "null",
        string s => s,
        double d => d.ToString(roundTrip ? "R" : "G4", CultureInfo.InvariantCulture),
        float f => f.ToString(roundTrip ? "R" : "G4", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(v => Format(v, roundTrip))) + "]",
        Delegate d => d.Method.ReturnType.Name + " factory",
        _ => value.ToString() is { } text && text != value.GetType().ToString() ? text : value.GetType().Name,
    };
}
