using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Serialization;

/// <summary>
/// Reads and writes the safetensors format, so that state dicts move between this engine and
/// PyTorch (<c>safetensors.torch.save_file</c> / <c>load_file</c>).
/// </summary>
/// <remarks>
/// <para>
/// A file is an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// (<c>{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ..., "__metadata__": {...}}</c>),
/// then the raw little-endian tensor data; offsets are relative to the start of that data.
/// </para>
/// <para>
/// Writing produces the same bytes as the reference writer for float32 tensors: tensors sorted by
/// name (ordinal over UTF-8 bytes), compact JSON with only <c>"</c>, <c>\</c> and control
/// characters escaped, <c>__metadata__</c> first (its keys sorted too, which the reference leaves
/// unspecified), and the header padded with spaces to a multiple of 8 bytes. Every tensor is stored
/// as F32, because that is what the engine holds.
/// </para>
/// <para>
/// Reading accepts F32, F64, F16, BF16, I64, I32, I16, I8, U8 and BOOL and converts to float32:
/// floating types round to nearest (like PyTorch's <c>.float()</c>; F64 values beyond the float32
/// range become infinities), and integers are loaded only when float32 holds them exactly (every
/// integer up to 2^24 in magnitude, and larger ones that happen to be representable); any other
/// integer throws <see cref="InvalidDataException"/> rather than change a value silently. Any other
/// dtype throws <see cref="InvalidDataException"/> naming the tensor and the dtype.
/// </para>
/// <para>
/// A malformed file throws <see cref="InvalidDataException"/> that says what is wrong, and the
/// header's claims (header length, tensor sizes) are checked against the real length of the file
/// before anything of that size is allocated. The checks match the reference reader: the header is
/// at most 100,000,000 bytes and starts with <c>{</c>, every tensor's byte span equals its shape
/// times its element size, and the tensors tile the data buffer exactly, with no overlap, hole or
/// trailing bytes.
/// </para>
/// </remarks>
public static class SafeTensors
{
    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/>. The file is written to a
    /// temporary file in the same directory and then renamed over <paramref name="path"/>, so a
    /// failure never leaves a half-written file or destroys the previous one.
    /// </summary>
    /// <param name="tensors">The tensors by name (a state dict). They are read, never changed.</param>
    /// <param name="path">The destination file; it is replaced if it exists.</param>
    /// <param name="metadata">Optional strings stored under <c>__metadata__</c> (PyTorch writes <c>{"format": "pt"}</c>).</param>
    /// <exception cref="ArgumentException">A tensor is null, a name is <c>__metadata__</c> or not valid UTF-16, or a metadata value is null.</exception>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(tensors, path, metadata, static s => s);

    internal static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata, Func<Stream, Stream> wrapFileStream)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var prepared = SafeTensorsWriter.Prepare(tensors, metadata);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"'{path}' names a root directory, not a file.", nameof(path));
        string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                prepared.WriteTo(wrapFileStream(file));
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="tensors"/> in safetensors format to <paramref name="stream"/>, starting at its current position.</summary>
    /// <param name="tensors">The tensors by name (a state dict). They are read, never changed.</param>
    /// <param name="stream">A writable stream; it is left open.</param>
    /// <param name="metadata">Optional strings stored under <c>__metadata__</c>.</param>
    /// <exception cref="ArgumentException">A tensor is null, a name is <c>__metadata__</c> or not valid UTF-16, or a metadata value is null.</exception>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, Stream stream, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("The stream is not writable.", nameof(stream));
        SafeTensorsWriter.Prepare(tensors, metadata).WriteTo(stream);
    }

    /// <summary>Returns the safetensors bytes of <paramref name="tensors"/> (what <see cref="Save(IReadOnlyDictionary{string, Tensor}, Stream, IReadOnlyDictionary{string, string}?)"/> writes).</summary>
    /// <param name="tensors">The tensors by name.</param>
    /// <param name="metadata">Optional strings stored under <c>__metadata__</c>.</param>
    public static byte[] Serialize(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var buffer = new MemoryStream();
        Save(tensors, buffer, metadata);
        return buffer.ToArray();
    }

    /// <summary>Reads the tensors of the safetensors file at <paramref name="path"/>, converted to float32.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The tensors by name, in the order their data is stored.</returns>
    /// <exception cref="InvalidDataException">The file is malformed, or holds an unsupported dtype or an integer float32 cannot represent.</exception>
    public static OrderedDictionary<string, Tensor> Load(string path) => LoadWithMetadata(path).Tensors;

    /// <summary>Reads the tensors of a safetensors stream, from its current position, converted to float32.</summary>
    /// <param name="stream">A readable stream; it need not be seekable. It is left open.</param>
    /// <returns>The tensors by name, in the order their data is stored.</returns>
    /// <exception cref="InvalidDataException">The data is malformed, or holds an unsupported dtype or an integer float32 cannot represent.</exception>
    public static OrderedDictionary<string, Tensor> Load(Stream stream) => LoadWithMetadata(stream).Tensors;

    /// <summary>Reads the tensors and the <c>__metadata__</c> strings of the safetensors file at <paramref name="path"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="InvalidDataException">The file is malformed, or holds an unsupported dtype or an integer float32 cannot represent.</exception>
    public static SafeTensorsContent LoadWithMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return SafeTensorsReader.Read(file, $"safetensors file '{path}'");
    }

    /// <summary>Reads the tensors and the <c>__metadata__</c> strings of a safetensors stream, from its current position.</summary>
    /// <param name="stream">A readable stream; it need not be seekable. It is left open.</param>
    /// <exception cref="InvalidDataException">The data is malformed, or holds an unsupported dtype or an integer float32 cannot represent.</exception>
    public static SafeTensorsContent LoadWithMetadata(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream is not readable.", nameof(stream));
        return SafeTensorsReader.Read(stream, "safetensors stream");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
