using System.Globalization;
using CsvHelper;

namespace MultiTask.Data;

/// <summary>
/// How the columns of one table (CSV file or in-memory <see cref="Table"/>) map onto a schema and
/// tasks: which tasks it labels, renamed columns, routing rows to tasks by a column value, and which
/// cells mean "missing".
/// </summary>
public record TableOptions
{
    /// <summary>
    /// The names of the tasks this table labels; null (default) = every task. For every other task
    /// each row of this table is unlabelled (mask 0). A table must have a column for every feature
    /// and target of the tasks it labels; features no such task uses are read when present and are
    /// missing otherwise.
    /// </summary>
    public IReadOnlyCollection<string>? Labels { get; init; }

    /// <summary>
    /// Renames: schema feature name or task target column → the table's column name, for tables whose
    /// headers differ (e.g. <c>["size_sqft"] = "area"</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string>? ColumnMap { get; init; }

    /// <summary>
    /// A column whose value says which task a row labels, used with <see cref="TaskValues"/> to derive
    /// several tasks from one table (e.g. <c>type</c>: Residential → "house", Condo → "condo", both
    /// predicting <c>price</c>). A task named in <see cref="TaskValues"/> is labelled only in the rows
    /// whose value maps to it; tasks not named there are labelled as usual.
    /// </summary>
    public string? TaskColumn { get; init; }

    /// <summary>Value of <see cref="TaskColumn"/> (exact, after trimming) → task name. Values not listed route the row to no task.</summary>
    public IReadOnlyDictionary<string, string>? TaskValues { get; init; }

    /// <summary>
    /// Keep rows that end up with no label for any task (default false: they are dropped, since
    /// they contribute nothing to training).
    /// </summary>
    public bool KeepUnlabeledRows { get; init; }

    /// <summary>
    /// Text cells that mean "missing" (compared after trimming, ignoring case). Default: empty,
    /// <c>NA</c>, <c>N/A</c>, <c>NaN</c>, <c>null</c>.
    /// </summary>
    public IReadOnlyCollection<string> MissingValues { get; init; } = ["", "NA", "N/A", "NaN", "null"];
}

/// <summary>
/// <see cref="TableOptions"/> plus CSV parsing settings. Files are read with a header row (required)
/// and the invariant culture: <c>.</c> is the decimal separator whatever the machine's locale.
/// </summary>
public sealed record CsvOptions : TableOptions
{
    /// <summary>The field delimiter (default <c>,</c>).</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>The parser settings every CSV reader of the library uses: this delimiter, trimmed fields, line numbers for errors, malformed rows refused, the invariant culture.</summary>
    internal CsvReaderOptions ReaderOptions(bool hasHeader) => CsvReaderOptions.Default with
    {
        Separator = Delimiter,
        HasHeader = hasHeader,
        TrimWhitespace = true,
        TrackLineNumbers = true,
        MalformedData = CsvMalformedDataHandling.Throw,
        FormatProvider = CultureInfo.InvariantCulture,
    };
}
