using System.Globalization;
using CsvHelper;

namespace MultiTask.Data;

/// <summary>
/// A raw table of named columns, numeric (<c>double</c>, NaN = missing) or text (null or a
/// <see cref="TableOptions.MissingValues"/> token = missing), before a schema gives it meaning.
/// It is what a CSV file is read into and how in-memory data enters
/// <see cref="MultiTaskDataset.FromTable"/>; its columns read back with <see cref="ColumnNames"/>,
/// <see cref="NumericColumn"/> and <see cref="TextColumn"/>.
/// </summary>
/// <example><code>
/// var houses = new Table("houses")
///     .Add("size_sqft", [1400.0, 2100.0]).Add("bedrooms", [3.0, 4.0]).Add("house", [250e3, 410e3]);
/// </code></example>
public sealed class Table
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, TableColumn> _columns = new(StringComparer.Ordinal);
    private int[]? _lines;

    /// <summary>Creates an empty table.</summary>
    /// <param name="name">A name used in error messages (e.g. the file name).</param>
    public Table(string name = "table") => Name = string.IsNullOrWhiteSpace(name) ? "table" : name;

    /// <summary>The name used in error messages.</summary>
    public string Name { get; }

    /// <summary>The number of rows (0 until a column is added).</summary>
    public int RowCount { get; private set; }

    /// <summary>The column names in the order they were added.</summary>
    public IReadOnlyList<string> ColumnNames => _names;

    /// <summary>Whether the table has a column called <paramref name="column"/> (exact match).</summary>
    public bool HasColumn(string column) => _columns.ContainsKey(column);

    /// <summary>Adds a numeric column; NaN marks a missing value (infinities are rejected when the table is used).</summary>
    /// <returns>This table.</returns>
    public Table Add(string column, double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return AddColumn(column, TableColumn.Of((double[])values.Clone()), values.Length);
    }

    /// <summary>Adds a numeric column from integers (e.g. class indices).</summary>
    /// <returns>This table.</returns>
    public Table Add(string column, int[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return AddColumn(column, TableColumn.Of(values.Select(v => (double)v).ToArray()), values.Length);
    }

    /// <summary>Adds a text column (categories, class names, or numbers as text); null marks a missing value.</summary>
    /// <returns>This table.</returns>
    public Table Add(string column, string?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return AddColumn(column, TableColumn.Of((string?[])values.Clone()), values.Length);
    }

    /// <summary>Reads a CSV file with a header row (invariant culture).</summary>
    /// <param name="path">The file path; its file name names the table in error messages.</param>
    /// <param name="options">Delimiter; other settings are used when the table is turned into a dataset.</param>
    public static Table FromCsv(string path, CsvOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"CSV file '{path}' does not exist; check the path (relative paths start at '{Environment.CurrentDirectory}').", path);
        using var reader = new StreamReader(path);
        return FromCsv(reader, Path.GetFileName(path), options);
    }

    /// <summary>Reads CSV text with a header row (invariant culture). All columns are read as text.</summary>
    /// <param name="reader">The CSV text.</param>
    /// <param name="name">A name used in error messages.</param>
    /// <param name="options">Delimiter; other settings are used when the table is turned into a dataset.</param>
    public static Table FromCsv(TextReader reader, string name = "csv", CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvOptions();
        var csvOptions = options.ReaderOptions(hasHeader: true);
        var table = new Table(name);
        try
        {
            using var csv = CsvReader.Create(reader, csvOptions, leaveOpen: true);
            var header = csv.Headers.ToArray();
            CheckHeader(header, name);
            // Cells stay UTF-8 bytes until read: one string per cell would take several times the file's size.
            var cells = new Utf8Cells[header.Length];
            for (int c = 0; c < cells.Length; c++) cells[c] = new Utf8Cells();
            var lines = new List<int>();
            while (csv.Read())
            {
                int line = (int)csv.LineNumber;
                if (csv.FieldCount != header.Length)
                    throw new InvalidDataException(
                        $"CSV '{name}', line {line}: {csv.FieldCount} fields but the header has {header.Length} ({Names(header)}); check for a missing or extra delimiter '{options.Delimiter}' or an unquoted value containing it.");
                for (int c = 0; c < header.Length; c++) cells[c].Add(csv.GetSpan(c));
                lines.Add(line);
            }
            for (int c = 0; c < header.Length; c++)
            {
                cells[c].Seal();
                table.AddColumn(header[c], TableColumn.Of(cells[c]), cells[c].Count);
            }
            table._lines = lines.ToArray();
            table.RowCount = lines.Count;
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"CSV '{name}' could not be parsed at line {e.LineNumber}: {e.Message} Check the quoting of that line.", e);
        }
        return table;
    }

    /// <summary>
    /// Reads column <paramref name="column"/> as numbers (a copy): a numeric column as it is, a text
    /// column parsed with the invariant culture; missing cells (NaN, null, or a
    /// <paramref name="missingValues"/> token) are NaN.
    /// </summary>
    /// <param name="column">The column name (exact match).</param>
    /// <param name="missingValues">Tokens that mark a missing text cell, ignoring case; default <see cref="TableOptions.MissingValues"/>'s default.</param>
    /// <exception cref="KeyNotFoundException">The table has no such column.</exception>
    /// <exception cref="InvalidDataException">A text cell is neither a number nor a missing-value token.</exception>
    public double[] NumericColumn(string column, IReadOnlyCollection<string>? missingValues = null)
    {
        var data = Column(column);
        if (data.Numbers is { } numbers) return (double[])numbers.Clone();
        var missing = new MissingTokens(missingValues ?? new TableOptions().MissingValues);
        var result = new double[RowCount];
        for (int r = 0; r < result.Length; r++)
        {
            result[r] = data.Number(r, missing, out string? text);
            if (text is not null)
                throw new InvalidDataException(
                    $"Column '{column}' of table '{Name}', {RowName(r)}: '{Excerpt(text)}' is not a number. Read the column with TextColumn, or fix the value (an empty cell or NA marks it missing).");
        }
        return result;
    }

    /// <summary>
    /// Reads column <paramref name="column"/> as text (a copy): text cells trimmed, numbers formatted
    /// with the invariant culture (round-trip format); missing cells (NaN, null, or a
    /// <paramref name="missingValues"/> token) are null.
    /// </summary>
    /// <param name="column">The column name (exact match).</param>
    /// <param name="missingValues">Tokens that mark a missing text cell, ignoring case; default <see cref="TableOptions.MissingValues"/>'s default.</param>
    /// <exception cref="KeyNotFoundException">The table has no such column.</exception>
    public string?[] TextColumn(string column, IReadOnlyCollection<string>? missingValues = null)
    {
        var data = Column(column);
        if (data.Numbers is { } numbers)
            return numbers.Select(v => double.IsNaN(v) ? null : v.ToString("R", CultureInfo.InvariantCulture)).ToArray();
        var missing = new MissingTokens(missingValues ?? new TableOptions().MissingValues);
        var texts = new string?[RowCount];
        for (int r = 0; r < texts.Length; r++) texts[r] = data.Text(r, missing);
        return texts;
    }

    internal TableColumn Column(string column) => _columns.TryGetValue(column, out var data)
        ? data
        : throw new KeyNotFoundException($"Table '{Name}' has no column '{column}' (columns: {Names(_names)}); check the name (exact, case-sensitive).");

    /// <summary>Checks a CSV header: at least one column, every name non-empty and unique.</summary>
    /// <exception cref="InvalidDataException">An empty header, an empty name or a repeated name.</exception>
    internal static void CheckHeader(string[] header, string name)
    {
        if (header.Length == 0)
            throw new InvalidDataException($"CSV '{name}' is empty; it needs a header row naming the columns.");
        for (int c = 0; c < header.Length; c++)
        {
            if (string.IsNullOrWhiteSpace(header[c]))
                throw new InvalidDataException($"CSV '{name}' header has an empty name for column {c + 1}; name every column.");
            if (Array.IndexOf(header, header[c]) != c)
                throw new InvalidDataException($"CSV '{name}' header names column '{Excerpt(header[c])}' twice; column names must be unique.");
        }
    }

    /// <summary>
    /// A cell or name as quoted in an error message: whole when short, else its start and its length, so
    /// that a 50 MB cell in a hostile file does not become a 50 MB message.
    /// </summary>
    internal static string Excerpt(string text, int max = 80) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 20), $"… ({text.Length:N0} characters)");

    /// <summary>A list of column names for a message, each shortened and at most 50 of them.</summary>
    internal static string Names(IReadOnlyCollection<string> names) =>
        string.Join(", ", names.Take(50).Select(n => Excerpt(n))) + (names.Count > 50 ? $", … ({names.Count} columns)" : "");

    /// <summary>Names the rows by their 1-based lines in a CSV file (one per row), for a table read from part of a file.</summary>
    internal Table WithLines(int[] lines)
    {
        _lines = lines;
        return this;
    }

    /// <summary>How a row is named in messages: the 1-based line number for CSV, the 0-based row index otherwise.</summary>
    internal string RowName(int row) => _lines is null ? $"row {row}" : $"line {_lines[row]}";

    private Table AddColumn(string column, TableColumn data, int length)
    {
        if (string.IsNullOrWhiteSpace(column))
            throw new ArgumentException($"Table '{Name}': a column name is empty; name every column.", nameof(column));
        if (_columns.ContainsKey(column))
            throw new ArgumentException($"Table '{Name}' already has a column '{column}'; column names must be unique.", nameof(column));
        if (_names.Count > 0 && length != RowCount)
            throw new ArgumentException(
                $"Table '{Name}': column '{column}' has {length} values but the table has {RowCount} rows (column '{_names[0]}'); every column needs one value per row.",
                nameof(column));
        _names.Add(column);
        _columns.Add(column, data);
        RowCount = length;
        return this;
    }
}

