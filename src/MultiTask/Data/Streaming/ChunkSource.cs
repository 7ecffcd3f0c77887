namespace MultiTask.Data.Streaming;

/// <summary>
/// Raw rows read a chunk at a time: the files, row groups or byte ranges of a source too large for
/// memory. A chunk is read in full when asked for and forgotten after, so memory holds one chunk at a
/// time. <see cref="StreamingDataset"/> gives the chunks meaning under a schema and tasks.
/// </summary>
/// <remarks>
/// Implementations: <see cref="CsvChunkSource"/> (CSV files cut into chunks of a set number of rows);
/// the MultiTask.Parquet package adds Parquet files (a chunk per row group). A chunk must read the same
/// every time: the shuffle replays chunks by index to resume an epoch.
/// </remarks>
public abstract class ChunkSource
{
    /// <summary>A name for error messages (e.g. the file name).</summary>
    public abstract string Name { get; }

    /// <summary>The number of chunks (may need a first pass over the source, done once).</summary>
    public abstract int ChunkCount { get; }

    /// <summary>Reads chunk <paramref name="index"/> as a table of raw columns.</summary>
    /// <param name="index">A chunk index in [0, <see cref="ChunkCount"/>).</param>
    /// <param name="columns">The columns to read (others may be left out of the table, which saves parsing them); null for all.</param>
    public abstract Table ReadChunk(int index, IReadOnlySet<string>? columns = null);

    /// <summary>Throws unless <paramref name="index"/> is a chunk index.</summary>
    protected int CheckIndex(int index) => (uint)index < (uint)ChunkCount
        ? index
        : throw new ArgumentOutOfRangeException(nameof(index), $"Chunk {index} is out of range; source '{Name}' has {ChunkCount} chunks.");
}
