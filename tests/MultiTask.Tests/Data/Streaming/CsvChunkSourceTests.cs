using FluentAssertions;
using MultiTask.Data;
using MultiTask.Data.Streaming;

namespace MultiTask.Tests.Data.Streaming;

public sealed class CsvChunkSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-csvchunks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Chunks_InAnyOrder_TogetherHoldExactlyTheFilesRows(int chunkRows)
    {
        string path = Path.Combine(_dir, "quoted.csv");
        // A BOM, quoted delimiters, a quoted line break and multi-byte characters: offsets are bytes, not characters.
        File.WriteAllText(path, "\uFEFFa,b\n1,\"x,y\"\n2,\"two\nlines\"\n3,é€\n4,plain\n5,\"\"\"q\"\"\"\n6,last\n", new System.Text.UTF8Encoding(true));
        var whole = Table.FromCsv(path);
        var source = new CsvChunkSource(path, chunkRows: chunkRows);
        source.ChunkCount.Should().Be((6 + chunkRows - 1) / chunkRows);
        var order = Enumerable.Range(0, source.ChunkCount).Reverse().ToArray();
        var parts = order.Select(i => (i, source.ReadChunk(i))).OrderBy(p => p.i).Select(p => p.Item2).ToArray();
        parts.SelectMany(t => t.TextColumn("a")).Should().Equal(whole.TextColumn("a"));
        parts.SelectMany(t => t.TextColumn("b")).Should().Equal(whole.TextColumn("b"));
    }

    [Fact]
    public void ErrorsInALaterChunk_NameTheFileLine()
    {
        string path = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(path, "x,y\n1,0\n2,\"a\nb\"\n3,1\nnot-a-number,1\n");
        var schema = new FeatureSchema().Numeric("x");
        var data = new StreamingDataset(new CsvChunkSource(path, chunkRows: 2), schema, [MultiTask.Tasks.TaskSpec.Regression("y", ["x"])]);
        data.Invoking(d => d.ReadChunk(1)).Should().Throw<InvalidDataException>().WithMessage("*line 6*not-a-number*");
    }

    [Fact]
    public void OnlyTheRequestedColumns_AreRead()
    {
        string path = Path.Combine(_dir, "wide.csv");
        File.WriteAllText(path, "a,b,c\n1,2,3\n4,5,6\n");
        var table = new CsvChunkSource(path).ReadChunk(0, new HashSet<string> { "a", "c" });
        table.ColumnNames.Should().Equal("a", "c");
        table.NumericColumn("c").Should().Equal(3, 6);
    }

    [Fact]
    public void SeveralFiles_FollowOneAnother_AndAFieldCountMismatchIsAnError()
    {
        string a = Path.Combine(_dir, "a.csv"), b = Path.Combine(_dir, "b.csv");
        File.WriteAllText(a, "v\n1\n2\n3\n");
        File.WriteAllText(b, "v\n4\n5\n");
        var source = new CsvChunkSource([a, b], chunkRows: 2);
        source.ChunkCount.Should().Be(3);
        Enumerable.Range(0, 3).SelectMany(i => source.ReadChunk(i).NumericColumn("v")).Should().Equal(1, 2, 3, 4, 5);

        File.WriteAllText(b, "v\n4\n5,6\n");
        new CsvChunkSource([a, b]).Invoking(s => s.ChunkCount).Should().Throw<InvalidDataException>().WithMessage("*b.csv*line 3*");
    }
}
