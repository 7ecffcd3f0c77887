using FluentAssertions;
using MultiTask.Data;
using MultiTask.Data.Streaming;

namespace MultiTask.Tests.Data.Streaming;

public sealed class StreamingLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-loader-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (StreamingDataset Data, FeatureEncoder Encoder) Data(int rows = 2000, int chunkRows = 150)
    {
        string path = Path.Combine(_dir, $"rows-{rows}.csv");
        if (!File.Exists(path)) StreamingTestData.Write(path, rows, seed: 11, quantileEncodings: false);
        var data = StreamingDataset.FromCsv(path, StreamingTestData.Schema(false), StreamingTestData.Tasks(false), chunkRows: chunkRows);
        return (data, data.FitEncoder());
    }

    private static float[][] Flatten(IEnumerable<Batch> batches) =>
        [.. batches.Select(b => b.Inputs.ToArray().Concat(b.Targets(0).ToArray()).Concat(b.Mask(0).ToArray()).Concat(b.Mask(1).ToArray()).ToArray())];

    [Fact]
    public void AnEpoch_ServesEveryRowOnce_InFullBatches_AndShuffled()
    {
        var (data, encoder) = Data();
        var loader = new StreamingLoader(data, encoder, batchSize: 64, bufferRows: 500, seed: 3);
        loader.WindowRows.Should().Be(448);
        var batches = loader.Epoch(0).ToList();
        batches.Should().HaveCount(loader.StepsPerEpoch);
        batches.SkipLast(1).Should().OnlyContain(b => b.Size == 64);
        var ids = batches.SelectMany(b => StreamingTestData.Ids(b, encoder)).ToArray();
        ids.Should().HaveCount((int)data.RowCount).And.OnlyHaveUniqueItems();
        ids.Order().Should().Equal(MultiTaskDataset.FromCsv(Path.Combine(_dir, "rows-2000.csv"), data.Schema, data.Tasks).NumericValues("id").Select(v => (long)v));
        ids.Should().NotBeInAscendingOrder();
        // Rows of one batch come from one window of 448 rows of the epoch's stream, never from further apart.
        var ordered = new StreamingLoader(data, encoder, batchSize: 64, bufferRows: 500, seed: 3, shuffle: false).Epoch(0)
            .SelectMany(b => StreamingTestData.Ids(b, encoder)).ToArray();
        ordered.Should().BeInAscendingOrder();
    }

    [Fact]
    public void TheSameSeed_GivesTheSameBatches_AndEpochsDiffer()
    {
        var (data, encoder) = Data();
        var a = Flatten(new StreamingLoader(data, encoder, 50, 400, seed: 5).Epoch(2));
        var b = Flatten(new StreamingLoader(data, encoder, 50, 400, seed: 5).Epoch(2));
        a.Should().BeEquivalentTo(b, o => o.WithStrictOrdering());
        var other = Flatten(new StreamingLoader(data, encoder, 50, 400, seed: 5).Epoch(3));
        other.Should().NotBeEquivalentTo(a, o => o.WithStrictOrdering());
        var serial = Flatten(new StreamingLoader(data, encoder, 50, 400, seed: 5) { Prefetch = false }.Epoch(2));
        serial.Should().BeEquivalentTo(a, o => o.WithStrictOrdering(), "reading ahead changes when chunks are read, not what is served");
        var otherSeed = Flatten(new StreamingLoader(data, encoder, 50, 400, seed: 6).Epoch(2));
        otherSeed.Should().NotBeEquivalentTo(a, o => o.WithStrictOrdering());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(23)]
    public void ResumingFromASavedPosition_GivesTheRestOfTheEpoch_BitForBit(int served)
    {
        var (data, encoder) = Data();
        var straight = Flatten(new StreamingLoader(data, encoder, 64, 500, seed: 9).Epoch(4));

        var first = new StreamingLoader(data, encoder, 64, 500, seed: 9);
        var head = new List<float[]>();
        StreamPosition? saved = null;
        foreach (var batch in first.Epoch(4))
        {
            head.AddRange(Flatten([batch]));
            if (head.Count == served)
            {
                saved = first.Position;
                break;
            }
        }
        // The position survives a round trip through text, as in a checkpoint file.
        var position = StreamPosition.Parse(saved!.ToString());
        position.Should().Be(saved);
        var tail = Flatten(new StreamingLoader(data, encoder, 64, 500, seed: 9).Epoch(position));
        head.Concat(tail).Should().BeEquivalentTo(straight, o => o.WithStrictOrdering());
    }

    [Fact]
    public void AfterAWholeEpoch_ThePositionIsTheNextEpochsStart()
    {
        var (data, encoder) = Data(rows: 300, chunkRows: 40);
        var loader = new StreamingLoader(data, encoder, 32, 100, seed: 1);
        foreach (var _ in loader.Epoch(0)) { }
        loader.Position.Should().Be(StreamPosition.Start(1));
    }

    [Fact]
    public void APositionThatDoesNotFit_IsRejected()
    {
        var (data, encoder) = Data(rows: 300, chunkRows: 40);
        var loader = new StreamingLoader(data, encoder, 32, 100, seed: 1);
        loader.Invoking(l => l.Epoch(new StreamPosition(0, 0, 99, 0, 0))).Should().Throw<ArgumentException>();
        loader.Invoking(l => l.Epoch(new StreamPosition(0, 0, 0, 0, 3))).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => StreamPosition.Parse("1/2/3")).Should().Throw<FormatException>();
    }
}
