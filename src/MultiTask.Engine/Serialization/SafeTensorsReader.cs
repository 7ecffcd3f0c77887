using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Serialization;

/// <summary>Parses and validates a safetensors header, then reads and converts the tensors.</summary>
internal static class SafeTensorsReader
{
    /// <summary>The reference reader's limit; a larger claim means the file is not safetensors.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Bounds what a non-seekable stream's claims can make us allocate ahead of the bytes arriving.</summary>
    private const int ChunkBytes = 1 << 20;

    private sealed record Entry(string Name, SafeTensorsDType DType, int[] Shape, int Numel, long Begin, long End);

    public static SafeTensorsContent Read(Stream stream, string source)
    {
        long? available = stream.CanSeek ? stream.Length - stream.Position : null;

        Span<byte> prefix = stackalloc byte[8];
        int got = ReadAtMost(stream, prefix);
        if (got < 8)
            throw Bad(source, $"it is {got} bytes long, shorter than the 8-byte header length that starts every safetensors file.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
            throw Bad(source, $"its header length field says {headerLength} bytes, more than the {MaxHeaderLength}-byte limit; this is probably not a safetensors file.");
        if (available is long total && (long)headerLength > total - 8)
            throw Bad(source, $"its header length field says {headerLength} bytes, but only {total - 8} bytes follow it.");

        byte[] header = ReadGrowing(stream, (int)headerLength, out int headerRead);
        if (headerRead < (int)headerLength)
            throw Bad(source, $"it ends after {headerRead} of the {headerLength} header bytes its header length field announces.");

        var (entries, metadata) = ParseHeader(header, source);
        long dataLength = CheckLayout(entries, source);
        if (available is long size && size - 8 - (long)headerLength != dataLength)
        {
            long actual = size - 8 - (long)headerLength;
            throw Bad(source, actual < dataLength
                ? $"the header describes {dataLength} bytes of tensor data, but only {actual} bytes follow the header (the file is truncated)."
                : $"the header describes {dataLength} bytes of tensor data, but {actual} bytes follow the header ({actual - dataLength} trailing bytes).");
        }

        var tensors = new OrderedDictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            foreach (var entry in entries)
                tensors.Add(entry.Name, ReadTensor(stream, entry, chunk, preallocate: available is not null, source));
            if (available is null && ReadAtMost(stream, chunk.AsSpan(0, 1)) != 0)
                throw Bad(source, $"more bytes follow the {dataLength} bytes of tensor data that the header describes.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return new SafeTensorsContent(tensors, metadata);
    }

    private static Tensor ReadTensor(Stream stream, Entry entry, byte[] chunk, bool preallocate, string source)
    {
        int elementSize = SafeTensorsDTypes.Size(entry.DType);
        int perChunk = chunk.Length / elementSize;
        // A seekable source was checked against its real length; a stream is trusted only as far as its bytes arrive.
        var data = new float[preallocate ? entry.Numel : Math.Min(entry.Numel, perChunk)];
        for (int start = 0; start < entry.Numel; start += perChunk)
        {
            int count = Math.Min(perChunk, entry.Numel - start);
            int bytes = count * elementSize;
            int got = ReadAtMost(stream, chunk.AsSpan(0, bytes));
            if (got < bytes)
                throw Bad(source, $"the data ends {entry.Begin + (long)start * elementSize + got} bytes into the data buffer, but tensor '{Q(entry.Name)}' needs bytes {entry.Begin}..{entry.End}.");
            if (data.Length < start + count)
                Array.Resize(ref data, (int)Math.Min(entry.Numel, Math.Max(start + count, 2L * data.Length)));
            int inexact = SafeTensorsDTypes.Decode(entry.DType, chunk.AsSpan(0, bytes), data.AsSpan(start, count));
            if (inexact >= 0)
                throw Bad(source, $"tensor '{Q(entry.Name)}' ({entry.DType.ToString().ToUpperInvariant()}) holds {SafeTensorsDTypes.ReadInteger(entry.DType, chunk.AsSpan(inexact * elementSize))} at element {start + inexact}, " +
                    "which float32 cannot represent exactly (every integer up to 2^24 in magnitude is exact); convert it to a floating dtype before saving if rounding is acceptable.");
        }
        return new Tensor(data, entry.Shape);
    }

    private static (List<Entry> Entries, OrderedDictionary<string, string>? Metadata) ParseHeader(byte[] header, string source)
    {
        if (header.Length == 0 || header[0] != (byte)'{')
            throw Bad(source, header.Length == 0
                ? "its header is empty; it should be a JSON object."
                : $"its header does not start with '{{' (first byte 0x{header[0]:x2}); it should be a JSON object.");
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw Bad(source, "its header is not valid UTF-8.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            // System.Text.Json quotes the offending token, which can be as long as the header.
            throw Bad(source, $"its header is not valid UTF-8 JSON ({Q(e.Message, 300)}).");
        }

        using (document)
        {
            try
            {
                return ParseEntries(document.RootElement, source);
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json accepts an escaped lone surrogate (e.g. "\ud800") in the document but throws
                // when the string is read; the format's reference reader rejects such a header outright.
                throw new InvalidDataException($"Cannot read {source}: its header holds a name or string with an unpaired UTF-16 surrogate escape ({Q(e.Message, 300)}).", e);
            }
        }
    }

    private static (List<Entry> Entries, OrderedDictionary<string, string>? Metadata) ParseEntries(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"its header is a JSON {root.ValueKind}, not an object.");
        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        OrderedDictionary<string, string>? metadata = null;
        foreach (var property in root.EnumerateObject())
        {
            if (!names.Add(property.Name))
                throw Bad(source, $"its header names '{Q(property.Name)}' more than once.");
            if (property.Name == SafeTensorsWriter.MetadataKey)
                metadata = ParseMetadata(property.Value, source);
            else
                entries.Add(ParseEntry(property.Name, property.Value, source));
        }
        return (entries, metadata);
    }

    private static OrderedDictionary<string, string> ParseMetadata(JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"its '__metadata__' is a JSON {value.ValueKind}; it should be an object of strings.");
        var metadata = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Bad(source, $"its '__metadata__' entry '{Q(item.Name)}' is a JSON {item.Value.ValueKind}; metadata values must be strings.");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Bad(source, $"its '__metadata__' names '{Q(item.Name)}' more than once.");
        }
        return metadata;
    }

    private static Entry ParseEntry(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"header entry '{Q(name)}' is a JSON {value.ValueKind}; it should be an object with dtype, shape and data_offsets.");
        // JsonElement.TryGetProperty returns the last of duplicated keys where the format's reference reader
        // refuses the file, so two readers would see different tensors in the same bytes.
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in value.EnumerateObject())
            if (!fields.Add(field.Name))
                throw Bad(source, $"tensor '{Q(name)}' names its field '{Q(field.Name)}' more than once.");

        if (!value.TryGetProperty("dtype"u8, out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad(source, $"tensor '{Q(name)}' has no string 'dtype'.");
        string dtypeName = dtypeElement.GetString()!;
        if (!SafeTensorsDTypes.TryParse(dtypeName, out var dtype))
            throw Bad(source, $"tensor '{Q(name)}' has dtype '{Q(dtypeName)}', which cannot be loaded (supported: {SafeTensorsDTypes.Supported}); convert it in PyTorch first, e.g. tensor.float().");

        if (!value.TryGetProperty("shape"u8, out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Bad(source, $"tensor '{Q(name)}' has no 'shape' array.");
        var shape = new int[shapeElement.GetArrayLength()];
        long numel = 1;
        bool overflow = false;
        int d = 0;
        foreach (var size in shapeElement.EnumerateArray())
        {
            if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out long s) || s < 0)
                throw Bad(source, $"tensor '{Q(name)}' has shape {Q(shapeElement.GetRawText())}, whose entry {d} is not a non-negative integer.");
            if (s > int.MaxValue)
                throw Bad(source, $"tensor '{Q(name)}' has shape {Q(shapeElement.GetRawText())}, whose entry {d} exceeds the engine's limit of {int.MaxValue}.");
            shape[d++] = (int)s;
            // Saturate rather than overflow; a saturated count can never match a real byte span.
            numel = overflow || (s != 0 && numel > long.MaxValue / 8 / s) ? long.MaxValue : numel * s;
            overflow |= numel == long.MaxValue;
        }
        if (shape.Contains(0)) numel = 0;

        if (!value.TryGetProperty("data_offsets"u8, out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Bad(source, $"tensor '{Q(name)}' has no 'data_offsets' pair [begin, end].");
        if (!TryOffset(offsets[0], out long begin) || !TryOffset(offsets[1], out long end) || end < begin)
            throw Bad(source, $"tensor '{Q(name)}' has data_offsets {Q(offsets.GetRawText())}; they should be non-negative integers with begin <= end.");

        int elementSize = SafeTensorsDTypes.Size(dtype);
        if (numel == long.MaxValue || numel * elementSize != end - begin)
            throw Bad(source, $"tensor '{Q(name)}' has shape {Q(shapeElement.GetRawText())} of {Q(dtypeName)}, which needs {(numel == long.MaxValue ? "more than 2^60" : (numel * elementSize).ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes, but its data_offsets {Q(offsets.GetRawText())} span {end - begin}.");
        if (numel > Array.MaxLength)
            throw Bad(source, $"tensor '{Q(name)}' has {numel} elements, more than a single engine tensor can hold ({Array.MaxLength}).");
        return new Entry(name, dtype, shape, (int)numel, begin, end);
    }

    private static bool TryOffset(JsonElement element, out long offset)
    {
        offset = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out offset) && offset >= 0;
    }

    /// <summary>Sorts the entries by offset and checks that they tile the data buffer exactly; returns its length.</summary>
    private static long CheckLayout(List<Entry> entries, string source)
    {
        entries.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        Entry? previous = null;
        foreach (var entry in entries)
        {
            if (entry.Begin < expected)
                throw Bad(source, $"tensor '{Q(entry.Name)}' (bytes {entry.Begin}..{entry.End}) overlaps tensor '{Q(previous!.Name)}' (bytes {previous.Begin}..{previous.End}).");
            if (entry.Begin > expected)
                throw Bad(source, $"the data buffer has a hole: bytes {expected}..{entry.Begin} before tensor '{Q(entry.Name)}' belong to no tensor.");
            expected = entry.End;
            previous = entry;
        }
        return expected;
    }

    /// <summary>Reads <paramref name="length"/> bytes, growing the buffer only as bytes actually arrive.</summary>
    private static byte[] ReadGrowing(Stream stream, int length, out int read)
    {
        var buffer = new byte[Math.Min(length, ChunkBytes)];
        read = 0;
        while (read < length)
        {
            if (read == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
            int n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0) break;
            read += n;
        }
        return buffer;
    }

    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>A name or JSON fragment from the file, shortened so a hostile header cannot make a message as large as itself.</summary>
    private static string Q(string text, int max = 80) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 20), $"… ({text.Length} characters)");

    private static InvalidDataException Bad(string source, string problem) =>
        new($"Cannot read {source}: {problem}");
}
