using System.Globalization;

namespace MultiTask.Data.Streaming;

/// <summary>
/// Where a <see cref="StreamingLoader"/> epoch stands: enough to resume it mid-way and get exactly the
/// batches the uninterrupted epoch would have given. Five integers, whatever the data or buffer size.
/// </summary>
/// <param name="Epoch">The epoch (it seeds the chunk order and the window shuffles).</param>
/// <param name="Window">The shuffle window, counted from 0 within the epoch.</param>
/// <param name="Chunk">The position, in the epoch's chunk order, of the chunk where the window starts.</param>
/// <param name="Row">The row of that chunk where the window starts.</param>
/// <param name="Batch">How many batches of the window were already served.</param>
public sealed record StreamPosition(int Epoch, int Window, int Chunk, int Row, int Batch)
{
    /// <summary>The start of epoch <paramref name="epoch"/>.</summary>
    public static StreamPosition Start(int epoch) => new(epoch, 0, 0, 0, 0);

    /// <summary>The position as text, <c>epoch/window/chunk/row/batch</c>, for a checkpoint file; <see cref="Parse"/> reads it back.</summary>
    public override string ToString() => string.Join('/', new[] { Epoch, Window, Chunk, Row, Batch }.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Reads a position written by <see cref="ToString"/>.</summary>
    /// <param name="text">Five non-negative integers separated by '/'.</param>
    /// <exception cref="FormatException">The text is not such a position.</exception>
    public static StreamPosition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        var values = new int[5];
        if (parts.Length != 5 || !parts.Select((p, i) => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out values[i])).All(ok => ok))
            throw new FormatException($"'{Table.Excerpt(text)}' is not a stream position; expected epoch/window/chunk/row/batch, five non-negative integers.");
        return new StreamPosition(values[0], values[1], values[2], values[3], values[4]);
    }
}
