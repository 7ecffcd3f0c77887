using System.Globalization;
using MultiTask.Data;
using MultiTask.Data.Streaming;
using Parquet;
using Parquet.Schema;

namespace MultiTask.Parquet;

/// <summary>Writes Parquet files for streaming, in bounded memory.</summary>
public static class ParquetConversion
{
    /// <summary>
    /// Converts a CSV file to a Parquet file with one row group per <paramref name="rowGroupRows"/> records,
    /// reading the CSV a chunk at a time. A column is written as nullable double when every non-missing cell
    /// of the first chunk is a number (an empty cell or a missing-value token is null), else as a nullable string.
    /// </summary>
    /// <param name="csvPath">The CSV file (UTF-8, header row).</param>
    /// <param name="parquetPath">The Parquet file to write (replaced if it exists).</param>
    /// <param name="rowGroupRows">Records per row group.</param>
    /// <param name="options">The delimiter and missing-value tokens.</param>
    /// <returns>The number of rows written.</returns>
    /// <exception cref="InvalidDataException">A column typed as numbers from the first chunk has a cell that is not a number later.</exception>
    public static long FromCsv(string csvPath, string parquetPath, int rowGroupRows = 100_000, CsvOptions? options = null)
    {
        options ??= new CsvOptions();
        var source = new CsvChunkSource(csvPath, options, rowGroupRows);
        return Write(source, parquetPath, options).GetAwaiter().GetResult();
    }

    private static async Task<long> Write(CsvChunkSource source, string parquetPath, CsvOptions options)
    {
        if (source.ChunkCount == 0) throw new InvalidDataException($"CSV '{source.Name}' has no records to convert.");
        var first = source.ReadChunk(0);
        var fields = first.ColumnNames.Select(c => IsNumeric(first, c, options)
            ? (DataField)new DataField<double?>(c) : new DataField(c, typeof(string), isNullable: true)).ToArray();
        var schema = new ParquetSchema(fields);
        long rows = 0;
        await using var stream = File.Create(parquetPath);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream).ConfigureAwait(false);
        for (int i = 0; i < source.ChunkCount; i++)
        {
            var table = i == 0 ? first : source.ReadChunk(i);
            using var group = writer.CreateRowGroup();
            foreach (var field in fields)
            {
                if (field.ClrType == typeof(double))
                {
                    double[] numbers;
                    try
                    {
                        numbers = table.NumericColumn(field.Name, options.MissingValues);
                    }
                    catch (InvalidDataException e)
                    {
                        throw new InvalidDataException($"Column '{field.Name}' was written as numbers from the first {first.RowCount} records, but a later record is not a number: {e.Message}", e);
                    }
                    var values = numbers.Select(v => double.IsNaN(v) ? (double?)null : v).ToArray();
                    await group.WriteAsync(field, (ReadOnlyMemory<double?>)values).ConfigureAwait(false);
                }
                else
                {
                    await group.WriteAsync(field, table.TextColumn(field.Name, options.MissingValues)!).ConfigureAwait(false);
                }
            }
            rows += table.RowCount;
        }
        return rows;
    }

    private static bool IsNumeric(Table table, string column, CsvOptions options) =>
        table.TextColumn(column, options.MissingValues).All(v => v is null || double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
}
