using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Serialization;

/// <summary>Builds the header and streams the data of a safetensors file.</summary>
internal static class SafeTensorsWriter
{
    internal const string MetadataKey = "__metadata__";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    internal sealed record Entry(string Name, byte[] Utf8Name, Tensor Tensor);

    /// <summary>
    /// Validates the arguments and lays out the file. Everything is checked and the header built
    /// before the first byte is written, so an argument error never touches the destination.
    /// </summary>
    public static Prepared Prepare(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<Entry>(tensors.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (name is null) throw new ArgumentException("A tensor name is null.", nameof(tensors));
            if (tensor is null) throw new ArgumentException($"Tensor '{name}' is null; remove it or give it a value.", nameof(tensors));
            if (name == MetadataKey)
                throw new ArgumentException($"'{MetadataKey}' is reserved for the metadata map and cannot name a tensor; rename it.", nameof(tensors));
            if (!seen.Add(name)) throw new ArgumentException($"Tensor name '{name}' appears twice.", nameof(tensors));
            entries.Add(new Entry(name, Utf8(name, "Tensor name"), tensor));
        }
        entries.Sort(static (a, b) => a.Utf8Name.AsSpan().SequenceCompareTo(b.Utf8Name));

        List<(byte[] Key, string Value)>? meta = null;
        if (metadata is not null)
        {
            meta = new List<(byte[], string)>(metadata.Count);
            foreach (var (key, value) in metadata)
            {
                if (key is null) throw new ArgumentException("A metadata key is null.", nameof(metadata));
                if (value is null) throw new ArgumentException($"Metadata '{key}' is null; safetensors metadata values are strings.", nameof(metadata));
                Utf8(value, $"Metadata value of '{key}'");
                meta.Add((Utf8(key, "Metadata key"), value));
            }
            meta.Sort(static (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        }

        return new Prepared(BuildHeader(entries, meta), entries);
    }

    private static byte[] Utf8(string s, string what)
    {
        try
        {
            return StrictUtf8.GetBytes(s);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"{what} '{s}' contains an unpaired surrogate, which UTF-8 (and so safetensors) cannot store.");
        }
    }

    private static byte[] BuildHeader(List<Entry> entries, List<(byte[] Key, string Value)>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = HeaderJsonEncoder.Instance }))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WritePropertyName(MetadataKey);
                json.WriteStartObject();
                foreach (var (key, value) in metadata)
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var entry in entries)
            {
                json.WritePropertyName(entry.Utf8Name);
                json.WriteStartObject();
                json.WriteString("dtype"u8, "F32"u8);
                json.WriteStartArray("shape"u8);
                foreach (int size in entry.Tensor.ShapeArray) json.WriteNumberValue(size);
                json.WriteEndArray();
                long end = offset + 4L * entry.Tensor.Numel;
                json.WriteStartArray("data_offsets"u8);
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        // The reference writer pads with spaces so that the data buffer starts 8-byte aligned.
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    internal sealed class Prepared(byte[] header, List<Entry> entries)
    {
        public void WriteTo(Stream stream)
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var entry in entries) WriteData(stream, entry.Tensor.Data);
            stream.Flush();
        }

        private static void WriteData(Stream stream, float[] data)
        {
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(data.AsSpan()));
                return;
            }
            // Big-endian hosts byte-swap into a scratch buffer, never in place, so the tensor is untouched.
            byte[] scratch = ArrayPool<byte>.Shared.Rent(1 << 16);
            try
            {
                int perChunk = scratch.Length / 4;
                for (int start = 0; start < data.Length; start += perChunk)
                {
                    int count = Math.Min(perChunk, data.Length - start);
                    for (int i = 0; i < count; i++)
                        BinaryPrimitives.WriteSingleLittleEndian(scratch.AsSpan(4 * i), data[start + i]);
                    stream.Write(scratch, 0, 4 * count);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }
}
