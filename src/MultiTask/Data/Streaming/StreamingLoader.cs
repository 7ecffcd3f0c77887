using MultiTask.Engine.Tensors;

namespace MultiTask.Data.Streaming;

/// <summary>
/// Iterates a <see cref="StreamingDataset"/> in encoded mini-batches with a bounded-memory shuffle, one
/// epoch at a time, and can resume an epoch mid-way from a small <see cref="StreamPosition"/>.
/// </summary>
/// <remarks>
/// <para><b>The shuffle.</b> Each epoch, the chunks (files' row ranges, Parquet row groups) are visited in
/// an order drawn afresh, and their rows, in that order, are cut into windows of <see cref="WindowRows"/>
/// rows (the buffer size rounded down to whole batches). Each window is encoded into a buffer, shuffled
/// and served as batches. So every row is served exactly once per epoch, all batches but the epoch's last
/// are full, and the rows of a batch are a uniform draw from its window, which spans about
/// <c>WindowRows / rows per chunk + 1</c> randomly chosen chunks. The larger the buffer relative to a chunk,
/// the closer to a full shuffle; with one chunk and a buffer as large as the data it is a full shuffle.</para>
/// <para><b>Determinism.</b> The chunk order of epoch e and the shuffle of window w depend only on
/// (<see cref="Seed"/>, e) and (<see cref="Seed"/>, e, w): the same seed gives the same batches, and
/// <see cref="Epoch(StreamPosition)"/> from a saved <see cref="Position"/> gives exactly the remaining
/// batches of the uninterrupted epoch (it re-reads only the window's chunks).</para>
/// <para><b>Memory.</b> One window of encoded rows (<see cref="WindowRows"/> × (input width + targets + masks)
/// floats), the chunk being served and the one being read ahead (raw and encoded, see <see cref="Prefetch"/>), and the
/// batch being trained; not the data size.</para>
/// <para>Only joint batches are supported (no task sampler).</para>
/// </remarks>
public sealed class StreamingLoader
{
    /// <summary>The default buffer size in rows.</summary>
    public const int DefaultBufferRows = 65_536;

    private const ulong ChunkOrderStream = ulong.MaxValue;

    /// <summary>Creates a loader.</summary>
    /// <param name="data">The streamed rows.</param>
    /// <param name="encoder">The encoder fitted on the training rows (e.g. <see cref="StreamingDataset.FitEncoder"/>).</param>
    /// <param name="batchSize">Rows per batch (at least 1).</param>
    /// <param name="bufferRows">The shuffle buffer in rows (at least one batch; rounded down to whole batches).</param>
    /// <param name="seed">The seed of the chunk orders and window shuffles.</param>
    /// <param name="shuffle">Whether to shuffle (false: chunks and rows in source order, e.g. for evaluation).</param>
    public StreamingLoader(StreamingDataset data, FeatureEncoder encoder, int batchSize, int bufferRows = DefaultBufferRows, ulong seed = 0,
        bool shuffle = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(encoder);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be at least 1, got {batchSize}.");
        if (bufferRows < 1) throw new ArgumentOutOfRangeException(nameof(bufferRows), $"bufferRows must be at least 1, got {bufferRows}.");
        if (!data.Schema.SameAs(encoder.Schema) || !MultiTaskDataset.SameTasks(data.Tasks, encoder.Tasks))
            throw new ArgumentException("The encoder was fitted for another schema or tasks than the data's; fit it on this data (StreamingDataset.FitEncoder).", nameof(encoder));
        Data = data;
        Encoder = encoder;
        BatchSize = batchSize;
        WindowRows = Math.Max(batchSize, bufferRows / batchSize * batchSize);
        Seed = seed;
        Shuffle = shuffle;
        Position = StreamPosition.Start(0);
    }

    /// <summary>The streamed rows.</summary>
    public StreamingDataset Data { get; }

    /// <summary>The encoder applied to each chunk.</summary>
    public FeatureEncoder Encoder { get; }

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Rows per shuffle window: the buffer size rounded down to whole batches (at least one batch).</summary>
    public int WindowRows { get; }

    /// <summary>The seed.</summary>
    public ulong Seed { get; }

    /// <summary>Whether chunks and rows are shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>
    /// Whether the next chunk is read and encoded on a worker thread while the current one is served (default true),
    /// so parsing overlaps training; it holds one more chunk in memory. The batches are the same either way.
    /// </summary>
    public bool Prefetch { get; init; } = true;

    /// <summary>
    /// Where the batches not yet served start: updated as an epoch's batches are enumerated (when a batch is
    /// handed out, it already points past it). Save it to resume with <see cref="Epoch(StreamPosition)"/>.
    /// </summary>
    public StreamPosition Position { get; private set; }

    /// <summary>The number of batches of one epoch (counting the rows may need a pass over the data, once).</summary>
    public int StepsPerEpoch => (int)((Data.RowCount + BatchSize - 1) / BatchSize);

    /// <summary>The batches of epoch <paramref name="epoch"/>, read lazily.</summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return Epoch(StreamPosition.Start(epoch));
    }

    /// <summary>The batches of an epoch from <paramref name="start"/> on (a saved <see cref="Position"/>), read lazily.</summary>
    /// <exception cref="ArgumentException">The position does not fit this data (another source or buffer size).</exception>
    public IEnumerable<Batch> Epoch(StreamPosition start)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (start.Epoch < 0 || start.Window < 0 || start.Chunk < 0 || start.Row < 0 || start.Batch < 0 || start.Chunk > Data.ChunkCount
            || start.Batch * BatchSize >= WindowRows && start.Batch > 0)
            throw new ArgumentException($"Stream position {start} does not fit this data ({Data.ChunkCount} chunks, windows of {WindowRows / BatchSize} batches).", nameof(start));
        return Batches(start);
    }

    private IEnumerable<Batch> Batches(StreamPosition start)
    {
        Position = start;
        foreach (var (window, next) in Windows(start))
        {
            var order = new int[window.RowCount];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            if (Shuffle) MultiTaskDataset.Shuffle(order, new Generator(Mix(Seed, (ulong)Position.Epoch, (ulong)Position.Window)));
            int batches = (order.Length + BatchSize - 1) / BatchSize;
            for (int b = Position.Batch; b < batches; b++)
            {
                var batch = window.GetBatch(new ArraySegment<int>(order, b * BatchSize, Math.Min(BatchSize, order.Length - b * BatchSize)));
                Position = b + 1 < batches ? Position with { Batch = b + 1 } : next;
                yield return batch;
            }
            Position = next;
        }
    }

    /// <summary>
    /// The encoded windows from <paramref name="start"/> on (ignoring its batch), each with the position
    /// of the window after it (the next epoch's start after the last).
    /// </summary>
    internal IEnumerable<(EncodedData Window, StreamPosition Next)> Windows(StreamPosition start)
    {
        int chunkCount = Data.ChunkCount;
        var order = new int[chunkCount];
        for (int i = 0; i < chunkCount; i++) order[i] = i;
        if (Shuffle) MultiTaskDataset.Shuffle(order, new Generator(Mix(Seed, (ulong)start.Epoch, ChunkOrderStream)));
        int chunk = start.Chunk, row = start.Row, window = start.Window;
        EncodedData? current = null;
        Task<EncodedData>? next = null;
        var tasks = Encoder.Tasks;
        int width = Encoder.Width;
        // One buffer serves every window: a window's batches are copies, made before the next window is filled.
        // Reallocating it per window would leave the large-object heap to hold several until a full collection.
        var x = new float[WindowRows * width];
        var targets = tasks.Select(t => new float[WindowRows * t.TargetWidth]).ToArray();
        var masks = tasks.Select(_ => new float[WindowRows]).ToArray();
        while (chunk < chunkCount)
        {
            int filled = 0;
            while (filled < WindowRows && chunk < chunkCount)
            {
                if (current is null)
                {
                    current = next is not null ? next.GetAwaiter().GetResult() : ReadEncoded(order[chunk]);
                    // Read and encode the following chunk while this one is served: parsing overlaps training.
                    int following = chunk + 1 < chunkCount ? order[chunk + 1] : -1;
                    next = Prefetch && following >= 0 ? Task.Run(() => ReadEncoded(following)) : null;
                }
                if (row > current.RowCount)
                    throw new ArgumentException($"Stream position row {row} is beyond chunk {order[chunk]}'s {current.RowCount} rows; the position belongs to other data.");
                int take = Math.Min(WindowRows - filled, current.RowCount - row);
                Array.Copy(current.InputArray, row * width, x, filled * width, take * width);
                for (int t = 0; t < tasks.Count; t++)
                {
                    int w = tasks[t].TargetWidth;
                    Array.Copy(current.TargetArray(t), row * w, targets[t], filled * w, take * w);
                    Array.Copy(current.MaskArray(t), row, masks[t], filled, take);
                }
                filled += take;
                row += take;
                if (row == current.RowCount)
                {
                    chunk++;
                    row = 0;
                    current = null;
                }
            }
            if (filled == 0) break;
            if (filled < WindowRows)
            {
                x = x[..(filled * width)];
                for (int t = 0; t < tasks.Count; t++)
                {
                    targets[t] = targets[t][..(filled * tasks[t].TargetWidth)];
                    masks[t] = masks[t][..filled];
                }
            }
            var after = chunk < chunkCount ? new StreamPosition(start.Epoch, window + 1, chunk, row, 0) : StreamPosition.Start(start.Epoch + 1);
            yield return (new EncodedData(Encoder, filled, x, targets, masks, new Dictionary<string, int>()), after);
            window++;
        }
    }

    private EncodedData ReadEncoded(int chunk) => Encoder.Transform(Data.ReadChunk(chunk));

    /// <summary>A seed for stream <paramref name="b"/>, <paramref name="c"/> of seed <paramref name="a"/> (splitmix64 finaliser over the combination).</summary>
    private static ulong Mix(ulong a, ulong b, ulong c)
    {
        ulong z = a;
        foreach (ulong v in (ReadOnlySpan<ulong>)[b, c])
        {
            z += 0x9E3779B97F4A7C15UL ^ v * 0xD1B54A32D192ED03UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
        }
        return z;
    }
}
