using FluentAssertions;
using MultiTask.Data;
using MultiTask.Data.Streaming;
using MultiTask.Tests.Data.Streaming;
using Parquet;
using Parquet.Schema;

namespace MultiTask.Parquet.Tests;

public sealed class ParquetChunkSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-parquet-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Csv, string Parquet) Files(int rows, int rowGroupRows)
    {
        string csv = Path.Combine(_dir, "data.csv"), parquet = Path.Combine(_dir, "data.parquet");
        StreamingTestData.Write(csv, rows, seed: 17);
        ParquetConversion.FromCsv(csv, parquet, rowGroupRows).Should().Be(rows);
        return (csv, parquet);
    }

    [Fact]
    public void RowGroups_AreChunks_AndGiveTheSameEncoderAndBatchesAsTheCsv()
    {
        var (csv, parquet) = Files(2500, 300);
        var schema = StreamingTestData.Schema();
        var tasks = StreamingTestData.Tasks();
        var fromCsv = StreamingDataset.FromCsv(csv, schema, tasks, chunkRows: 300);
        var fromParquet = ParquetChunkSource.Dataset([parquet], schema, tasks);
        fromParquet.ChunkCount.Should().Be(9);

        var (a, b) = (fromCsv.FitEncoder(), fromParquet.FitEncoder());
        b.ColumnNames.Should().Equal(a.ColumnNames);
        b.FeatureStatistics("size").Should().Be(a.FeatureStatistics("size"));
        b.FeatureStatistics("age").Should().Be(a.FeatureStatistics("age"));
        b.BinEdges("dist").Should().Equal(a.BinEdges("dist"));
        b.TargetStatistics("price").Should().Be(a.TargetStatistics("price"));

        // Same chunks and seed: the same batches, bit for bit.
        var x = new StreamingLoader(fromCsv, a, 64, 700, seed: 2).Epoch(1).Select(batch => batch.Inputs.ToArray()).ToList();
        var y = new StreamingLoader(fromParquet, a, 64, 700, seed: 2).Epoch(1).Select(batch => batch.Inputs.ToArray()).ToList();
        y.Should().BeEquivalentTo(x, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task TypedAndNullableColumns_ReadAsNumbersAndText()
    {
        string path = Path.Combine(_dir, "typed.parquet");
        var i = new DataField<int>("i");
        var f = new DataField<float?>("f");
        var flag = new DataField<bool>("flag");
        var s = new DataField("s", typeof(string), isNullable: true);
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(i, f, flag, s), stream))
        {
            foreach (int start in new[] { 0, 3 })
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync(i, (ReadOnlyMemory<int>)new[] { start, start + 1, start + 2 });
                await group.WriteAsync(f, (ReadOnlyMemory<float?>)new float?[] { 1.5f, null, 2f });
                await group.WriteAsync(flag, (ReadOnlyMemory<bool>)new[] { true, false, true });
                await group.WriteAsync(s, new string?[] { "a", null, "b" }!);
            }
        }
        var source = new ParquetChunkSource(path);
        source.ChunkCount.Should().Be(2);
        var table = source.ReadChunk(1);
        table.NumericColumn("i").Should().Equal(3, 4, 5);
        table.NumericColumn("f").Should().Equal(1.5, double.NaN, 2);
        table.NumericColumn("flag").Should().Equal(1, 0, 1);
        table.TextColumn("s").Should().Equal("a", null, "b");
        source.ReadChunk(0, new HashSet<string> { "s" }).ColumnNames.Should().Equal("s");
    }

    [Fact]
    public void AMissingFile_IsReportedByPath()
    {
        FluentActions.Invoking(() => new ParquetChunkSource(Path.Combine(_dir, "nope.parquet")))
            .Should().Throw<FileNotFoundException>().WithMessage("*nope.parquet*");
    }
}
