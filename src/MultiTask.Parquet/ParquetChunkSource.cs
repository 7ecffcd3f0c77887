using MultiTask.Data;
using MultiTask.Data.Streaming;
using Parquet;
using Parquet.Schema;

namespace MultiTask.Parquet;

/// <summary>
/// One or more Parquet files read a row group at a time: each row group is a chunk of a
/// <see cref="StreamingDataset"/>. Only the columns the dataset needs are decoded.
/// </summary>
/// <remarks>
/// <para>Numeric columns (double, float, the integer types, decimal, bool as 0/1) become numeric table
/// columns with NaN for null; string columns become text (null = missing). Nested, repeated and other
/// columns (dates, binary) are left out; a feature or label read from one is reported as a missing
/// column.</para>
/// <para>Memory holds one row group's needed columns at a time, so write files with row groups of a
/// size that fits (tens of thousands to a few million rows); <see cref="ParquetConversion.FromCsv"/>
/// writes them from a CSV file.</para>
/// </remarks>
public sealed class ParquetChunkSource : ChunkSource
{
    private readonly string[] _paths;
    private (int File, int RowGroup)[]? _chunks;

    /// <summary>Creates a source over Parquet files, read in the order given.</summary>
    /// <param name="paths">The files (at least one); their row groups follow one another.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public ParquetChunkSource(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        _paths = [.. paths];
        if (_paths.Length == 0) throw new ArgumentException("Give at least one Parquet file.", nameof(paths));
        foreach (var path in _paths)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(path, nameof(paths));
            if (!File.Exists(path))
                throw new FileNotFoundException($"Parquet file '{path}' does not exist; check the path (relative paths start at '{Environment.CurrentDirectory}').", path);
        }
    }

    /// <summary>Creates a source over one Parquet file.</summary>
    /// <param name="path">The file.</param>
    public ParquetChunkSource(string path) : this([path])
    {
    }

    /// <summary>A streaming dataset over Parquet files, a chunk per row group.</summary>
    /// <param name="paths">The files.</param>
    /// <param name="schema">The input features.</param>
    /// <param name="tasks">All tasks of the model.</param>
    /// <param name="options">Column mapping, labelled tasks, routing and missing-value tokens (for text columns).</param>
    public static StreamingDataset Dataset(IEnumerable<string> paths, FeatureSchema schema, IReadOnlyList<MultiTask.Tasks.TaskSpec> tasks, TableOptions? options = null) =>
        new(new ParquetChunkSource(paths), schema, tasks, options);

    /// <summary>The files, in order.</summary>
    public IReadOnlyList<string> Paths => _paths;

    /// <inheritdoc/>
    public override string Name => _paths.Length == 1 ? Path.GetFileName(_paths[0]) : $"{Path.GetFileName(_paths[0])} and {_paths.Length - 1} more";

    /// <inheritdoc/>
    public override int ChunkCount => Index().Length;

    /// <inheritdoc/>
    public override Table ReadChunk(int index, IReadOnlySet<string>? columns = null)
    {
        var (file, rowGroup) = Index()[CheckIndex(index)];
        return Read(file, rowGroup, columns).GetAwaiter().GetResult();
    }

    private async Task<Table> Read(int file, int rowGroup, IReadOnlySet<string>? columns)
    {
        string name = Path.GetFileName(_paths[file]);
        await using var reader = await ParquetReader.CreateAsync(_paths[file]).ConfigureAwait(false);
        var group = reader.OpenRowGroupReader(rowGroup);
        int rows = checked((int)group.RowCount);
        var table = new Table(name);
        foreach (var field in reader.Schema.Fields.OfType<DataField>())
        {
            if (field.IsArray || columns is not null && !columns.Contains(field.Name)) continue;
            var type = field.ClrType;
            // Parquet.Net types string columns as ReadOnlyMemory<char>; they read back as strings.
            if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
            {
                var values = new string?[rows];
                await group.ReadAsync(field, values.AsMemory()!).ConfigureAwait(false);
                table.Add(field.Name, values);
                continue;
            }
            double[]? numbers = type == typeof(double) ? await ReadNumbers<double>(group, field, rows, v => v).ConfigureAwait(false)
                : type == typeof(float) ? await ReadNumbers<float>(group, field, rows, v => v).ConfigureAwait(false)
                : type == typeof(long) ? await ReadNumbers<long>(group, field, rows, v => v).ConfigureAwait(false)
                : type == typeof(int) ? await ReadNumbers<int>(group, field, rows, v => v).ConfigureAwait(false)
                : type == typeof(short) ? await ReadNumbers<short>(group, field, rows, v => v).ConfigureAwait(false)
                : type == typeof(sbyte) ? await ReadNumbers<sbyte>(group, field, rows, v => v).ConfigureAwait(false)
                : type == typeof(byte) ? await ReadNumbers<byte>(group, field, rows, v => v).ConfigureAwait(false)
                : type == typeof(ushort) ? await ReadNumbers<ushort>(group, field, rows, v => v).ConfigureAwait(false)
                : type == typeof(uint) ? await ReadNumbers<uint>(group, field, rows, v => v).ConfigureAwait(false)
                : type == typeof(ulong) ? await ReadNumbers<ulong>(group, field, rows, v => v).ConfigureAwait(false)
                : type == typeof(decimal) ? await ReadNumbers<decimal>(group, field, rows, v => (double)v).ConfigureAwait(false)
                : type == typeof(bool) ? await ReadNumbers<bool>(group, field, rows, v => v ? 1 : 0).ConfigureAwait(false)
                : null;
            if (numbers is not null) table.Add(field.Name, numbers);
        }
        return table;
    }

    private static async Task<double[]> ReadNumbers<T>(ParquetRowGroupReader group, DataField field, int rows, Func<T, double> convert) where T : struct
    {
        var result = new double[rows];
        if (field.IsNullable)
        {
            var values = new T?[rows];
            await group.ReadAsync(field, values.AsMemory()).ConfigureAwait(false);
            for (int i = 0; i < rows; i++) result[i] = values[i] is { } v ? convert(v) : double.NaN;
        }
        else
        {
            var values = new T[rows];
            await group.ReadAsync(field, values.AsMemory()).ConfigureAwait(false);
            for (int i = 0; i < rows; i++) result[i] = convert(values[i]);
        }
        return result;
    }

    private (int File, int RowGroup)[] Index()
    {
        if (_chunks is { } built) return built;
        var chunks = new List<(int, int)>();
        for (int f = 0; f < _paths.Length; f++)
        {
            int groups = RowGroupCount(_paths[f]).GetAwaiter().GetResult();
            for (int g = 0; g < groups; g++) chunks.Add((f, g));
        }
        _chunks = [.. chunks];
        return _chunks;
    }

    private static async Task<int> RowGroupCount(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path).ConfigureAwait(false);
        return reader.RowGroupCount;
    }
}
