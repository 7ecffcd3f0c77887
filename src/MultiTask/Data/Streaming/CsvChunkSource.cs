using CsvHelper;

namespace MultiTask.Data.Streaming;

/// <summary>
/// One or more UTF-8 CSV files (each with a header row, invariant culture, as <see cref="Table.FromCsv(string, CsvOptions?)"/>)
/// read in chunks of <see cref="ChunkRows"/> records.
/// </summary>
/// <remarks>
/// The first time the chunks are needed, each file is scanned once to note the byte offset and line
/// number where every chunk starts (a few bytes per chunk); a chunk is then read by seeking to its
/// offset, so chunks can be read in any order. Quoted fields may span lines. Files must not change
/// while the source is in use.
/// </remarks>
public sealed class CsvChunkSource : ChunkSource
{
    /// <summary>The default number of records per chunk.</summary>
    public const int DefaultChunkRows = 16_384;

    private readonly string[] _paths;
    private readonly CsvOptions _options;
    private (int File, long Offset, int Line, int Rows)[]? _chunks;
    private string[][]? _headers;

    /// <summary>Creates a source over CSV files, read in the order given.</summary>
    /// <param name="paths">The files (at least one); their chunks follow one another.</param>
    /// <param name="options">The delimiter (the other settings apply when the rows get a schema).</param>
    /// <param name="chunkRows">Records per chunk (the last chunk of a file may have fewer).</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public CsvChunkSource(IEnumerable<string> paths, CsvOptions? options = null, int chunkRows = DefaultChunkRows)
    {
        ArgumentNullException.ThrowIfNull(paths);
        _paths = [.. paths];
        if (_paths.Length == 0) throw new ArgumentException("Give at least one CSV file.", nameof(paths));
        foreach (var path in _paths)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(path, nameof(paths));
            if (!File.Exists(path))
                throw new FileNotFoundException($"CSV file '{path}' does not exist; check the path (relative paths start at '{Environment.CurrentDirectory}').", path);
        }
        if (chunkRows < 1) throw new ArgumentOutOfRangeException(nameof(chunkRows), $"chunkRows must be at least 1, got {chunkRows}.");
        _options = options ?? new CsvOptions();
        ChunkRows = chunkRows;
    }

    /// <summary>Creates a source over one CSV file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">The delimiter (the other settings apply when the rows get a schema).</param>
    /// <param name="chunkRows">Records per chunk.</param>
    public CsvChunkSource(string path, CsvOptions? options = null, int chunkRows = DefaultChunkRows)
        : this([path], options, chunkRows)
    {
    }

    /// <summary>Records per chunk.</summary>
    public int ChunkRows { get; }

    /// <summary>The files, in order.</summary>
    public IReadOnlyList<string> Paths => _paths;

    /// <inheritdoc/>
    public override string Name => _paths.Length == 1 ? Path.GetFileName(_paths[0]) : $"{Path.GetFileName(_paths[0])} and {_paths.Length - 1} more";

    /// <inheritdoc/>
    public override int ChunkCount => Index().Length;

    /// <inheritdoc/>
    public override Table ReadChunk(int index, IReadOnlySet<string>? columns = null)
    {
        var (file, offset, line, rows) = Index()[CheckIndex(index)];
        var header = _headers![file];
        string name = Path.GetFileName(_paths[file]);
        using var stream = new FileStream(_paths[file], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        stream.Seek(offset, SeekOrigin.Begin);
        var cells = new string?[header.Length][];
        for (int c = 0; c < cells.Length; c++)
            if (columns is null || columns.Contains(header[c])) cells[c] = new string?[rows];
        var lines = new int[rows];
        try
        {
            using var csv = CsvReader.Create(stream, _options.ReaderOptions(hasHeader: false), leaveOpen: true);
            for (int r = 0; r < rows; r++)
            {
                if (!csv.Read())
                    throw new InvalidDataException($"CSV '{name}' ended before line {line}'s chunk of {rows} records was read; the file changed after it was indexed.");
                lines[r] = line + (int)csv.LineNumber - 1;
                CheckFieldCount(csv, header, name, lines[r]);
                for (int c = 0; c < header.Length; c++)
                    if (cells[c] is { } column) column[r] = csv.GetString(c);
            }
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"CSV '{name}' could not be parsed at line {line + e.LineNumber - 1}: {e.Message} Check the quoting of that line.", e);
        }
        var table = new Table(name);
        for (int c = 0; c < header.Length; c++)
            if (cells[c] is { } column) table.Add(header[c], column);
        return table.WithLines(lines);
    }

    private (int File, long Offset, int Line, int Rows)[] Index()
    {
        if (_chunks is { } built) return built;
        var chunks = new List<(int, long, int, int)>();
        var headers = new string[_paths.Length][];
        for (int f = 0; f < _paths.Length; f++)
        {
            string name = Path.GetFileName(_paths[f]);
            using var stream = new FileStream(_paths[f], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            RequireUtf8(stream, name);
            try
            {
                using var csv = CsvReader.Create(stream, _options.ReaderOptions(hasHeader: true), leaveOpen: true);
                var header = csv.Headers.ToArray();
                // The UTF-8 byte order mark is part of the bytes (and offsets), not of the first column's name.
                if (header.Length > 0) header[0] = header[0].TrimStart('\uFEFF');
                Table.CheckHeader(header, name);
                headers[f] = header;
                long offset = 0;
                int line = 0, rows = 0;
                while (csv.Read())
                {
                    if (rows == 0)
                    {
                        offset = csv.ByteOffset;
                        line = (int)csv.LineNumber;
                    }
                    CheckFieldCount(csv, header, name, (int)csv.LineNumber);
                    if (++rows == ChunkRows)
                    {
                        chunks.Add((f, offset, line, rows));
                        rows = 0;
                    }
                }
                if (rows > 0) chunks.Add((f, offset, line, rows));
            }
            catch (CsvFormatException e)
            {
                throw new InvalidDataException($"CSV '{name}' could not be parsed at line {e.LineNumber}: {e.Message} Check the quoting of that line.", e);
            }
        }
        _headers = headers;
        _chunks = [.. chunks];
        return _chunks;
    }

    private static void RequireUtf8(FileStream stream, string name)
    {
        Span<byte> start = stackalloc byte[2];
        int read = stream.Read(start);
        stream.Seek(0, SeekOrigin.Begin);
        // Chunk offsets are byte offsets of the UTF-8 text; a UTF-16 file's bytes would not match them.
        if (read == 2 && (start[0], start[1]) is (0xFF, 0xFE) or (0xFE, 0xFF))
            throw new InvalidDataException($"CSV '{name}' is UTF-16 encoded; streaming reads UTF-8 files only. Convert the file to UTF-8.");
    }

    private void CheckFieldCount(CsvReader csv, string[] header, string name, int line)
    {
        if (csv.FieldCount != header.Length)
            throw new InvalidDataException(
                $"CSV '{name}', line {line}: {csv.FieldCount} fields but the header has {header.Length} ({Table.Names(header)}); check for a missing or extra delimiter '{_options.Delimiter}' or an unquoted value containing it.");
    }
}
