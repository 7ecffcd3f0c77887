using System.Globalization;
using System.Text;

namespace MultiTask.Data;

/// <summary>
/// One column of a <see cref="Table"/>: numbers (NaN = missing), text cells, or the UTF-8 bytes of a CSV file's cells
/// (<see cref="Utf8Cells"/>), which keep a large file's text compact and are parsed or decoded only when read.
/// </summary>
internal sealed class TableColumn
{
    private TableColumn(double[]? numbers, string?[]? texts, Utf8Cells? cells)
    {
        Numbers = numbers;
        Texts = texts;
        Cells = cells;
    }

    public static TableColumn Of(double[] numbers) => new(numbers, null, null);

    public static TableColumn Of(string?[] texts) => new(null, texts, null);

    public static TableColumn Of(Utf8Cells cells) => new(null, null, cells);

    /// <summary>The values of a numeric column; null for a text column.</summary>
    public double[]? Numbers { get; }

    /// <summary>The cells of an in-memory text column; null otherwise.</summary>
    public string?[]? Texts { get; }

    /// <summary>The cells of a text column read from CSV; null otherwise.</summary>
    public Utf8Cells? Cells { get; }

    /// <summary>Whether the column holds text (in memory or from CSV).</summary>
    public bool IsText => Numbers is null;

    /// <summary>A text cell, trimmed, or null when it is null or a missing-value token; for a text column only.</summary>
    public string? Text(int row, MissingTokens missing)
    {
        if (Cells is { } cells)
        {
            var bytes = cells[row];
            return missing.IsMissing(bytes) ? null : cells.Decode(row);
        }
        var s = Texts![row]?.Trim();
        return s is null || missing.IsMissing(s) ? null : s;
    }

    /// <summary>
    /// A text cell parsed as a number (invariant culture): NaN with <paramref name="text"/> null when the cell is missing,
    /// NaN with the cell's text when it is not a number; for a text column only.
    /// </summary>
    public double Number(int row, MissingTokens missing, out string? text)
    {
        text = null;
        if (Cells is { } cells)
        {
            var bytes = cells[row];
            if (double.TryParse(bytes, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) && !double.IsNaN(parsed)) return parsed;
            if (missing.IsMissing(bytes)) return double.NaN;
            text = cells.Decode(row);
            return double.NaN;
        }
        text = Text(row, missing);
        if (text is null) return double.NaN;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && !double.IsNaN(v))
        {
            text = null;
            return v;
        }
        return double.NaN;
    }
}

/// <summary>The tokens that mark a missing text cell, compared ignoring case after trimming.</summary>
internal sealed class MissingTokens
{
    private readonly HashSet<string> _tokens;
    private readonly byte[][] _asciiTokens;
    private readonly bool _allAscii;

    public MissingTokens(IEnumerable<string> tokens)
    {
        _tokens = new HashSet<string>(tokens.Select(m => m.Trim()), StringComparer.OrdinalIgnoreCase);
        _allAscii = _tokens.All(t => Ascii.IsValid(t));
        _asciiTokens = [.. _tokens.Select(Encoding.ASCII.GetBytes)];
    }

    public bool IsMissing(string trimmed) => _tokens.Contains(trimmed);

    /// <summary>Whether the UTF-8 cell (already trimmed by the CSV reader) is a token.</summary>
    public bool IsMissing(ReadOnlySpan<byte> cell)
    {
        if (!_allAscii || !Ascii.IsValid(cell)) return _tokens.Contains(Encoding.UTF8.GetString(cell));
        foreach (var token in _asciiTokens)
            if (Ascii.EqualsIgnoreCase(cell, token)) return true;
        return false;
    }
}

/// <summary>
/// A CSV column's cells as UTF-8 bytes in one growing buffer with an end offset per row: about the file's own size,
/// where one string per cell costs several times that. Repeated values (categories) decode to one shared string.
/// </summary>
internal sealed class Utf8Cells
{
    // Distinct strings kept for sharing per column; a column with more distinct values (e.g. numbers read as text)
    // stops adding, so the cache cannot grow with the file.
    private const int MaxShared = 4096;
    private byte[] _bytes = new byte[1024];
    private int[] _ends = new int[256];
    private int _count;
    private readonly Dictionary<string, string> _shared = new(StringComparer.Ordinal);

    public int Count => _count;

    public void Add(ReadOnlySpan<byte> cell)
    {
        int start = _count == 0 ? 0 : _ends[_count - 1];
        if (start + cell.Length > _bytes.Length) Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, start + cell.Length));
        if (_count == _ends.Length) Array.Resize(ref _ends, _ends.Length * 2);
        cell.CopyTo(_bytes.AsSpan(start));
        _ends[_count++] = start + cell.Length;
    }

    public ReadOnlySpan<byte> this[int row]
    {
        get
        {
            if ((uint)row >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(row));
            int start = row == 0 ? 0 : _ends[row - 1];
            return _bytes.AsSpan(start, _ends[row] - start);
        }
    }

    /// <summary>The cell as a string, shared with earlier equal cells while few distinct values have been seen.</summary>
    public string Decode(int row)
    {
        var bytes = this[row];
        if (bytes.Length > 64) return Encoding.UTF8.GetString(bytes);
        Span<char> chars = stackalloc char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        int n = Encoding.UTF8.GetChars(bytes, chars);
        lock (_shared)
        {
            var lookup = _shared.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(chars[..n], out var existing)) return existing;
            var text = new string(chars[..n]);
            if (_shared.Count < MaxShared) _shared[text] = text;
            return text;
        }
    }

    /// <summary>Trims the buffers to their contents once the column is complete.</summary>
    public void Seal()
    {
        Array.Resize(ref _bytes, _count == 0 ? 0 : _ends[_count - 1]);
        Array.Resize(ref _ends, _count);
    }
}
