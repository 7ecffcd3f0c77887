using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiTask.Data;

namespace MultiTask.Saving;

/// <summary>
/// The container of a model file: a zip archive whose <c>manifest.json</c> names the format, its version, the library
/// version that wrote it, the kind of model, and every other entry with its size and SHA-256. Reading checks the
/// manifest before anything else, each entry's size before reading it, and its hash after.
/// </summary>
internal sealed class ModelArchive : IDisposable
{
    public const string Format = "multitask-model";
    public const string ManifestName = "manifest.json";

    /// <summary>The largest JSON entry read (the manifest, schema, tasks, model description, an encoder).</summary>
    public const long MaxJsonBytes = 64L << 20;

    /// <summary>The largest weights entry read: one member's state dict, held in memory as a byte array.</summary>
    public const long MaxWeightsBytes = int.MaxValue - 64;

    /// <summary>The most entries an archive may have; a real file has a few per ensemble member.</summary>
    public const int MaxEntries = 100_000;

    private static readonly JsonSerializerOptions s_write = new() { WriteIndented = true, MaxDepth = 512 };
    // A repeated property would otherwise surface later, as an ArgumentException from the node's lazy dictionary.
    private static readonly JsonDocumentOptions s_read = new() { MaxDepth = 512, AllowDuplicateProperties = false };

    // The JSON reader checks UTF-8 only when a string is read; checking first keeps every failure here and documented.
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Zip stores local times from 1980 on; a fixed time makes the same model give the same bytes.
    private static readonly DateTimeOffset s_timestamp = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly string _path;
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, (long Size, string Sha256)> _entries;

    private ModelArchive(string path, ZipArchive zip, Dictionary<string, (long, string)> entries, int formatVersion, string libraryVersion, string kind)
    {
        _path = path;
        _zip = zip;
        _entries = entries;
        FormatVersion = formatVersion;
        LibraryVersion = libraryVersion;
        Kind = kind;
    }

    public int FormatVersion { get; }

    public string LibraryVersion { get; }

    public string Kind { get; }

    /// <summary>The version of this library, as recorded in the files it writes (without build metadata).</summary>
    public static string CurrentLibraryVersion { get; } =
        (typeof(ModelArchive).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(ModelArchive).Assembly.GetName().Version?.ToString() ?? "unknown").Split('+')[0];

    /// <summary>How an entry is named in messages.</summary>
    public string Describe(string entry) => $"Model file '{_path}', entry '{Table.Excerpt(entry, 200)}'";

    /// <summary>Writes the entries and their manifest to <paramref name="path"/>: to a temporary file first, renamed over the path when complete.</summary>
    public static void Write(string path, string kind, IReadOnlyList<KeyValuePair<string, byte[]>> entries)
    {
        var manifest = new JsonObject
        {
            ["format"] = Format,
            ["format_version"] = ModelFile.FormatVersion,
            ["library_version"] = CurrentLibraryVersion,
            ["kind"] = kind,
            ["entries"] = new JsonArray([.. entries.Select(e => (JsonNode)new JsonObject
            {
                ["name"] = e.Key,
                ["size"] = e.Value.LongLength,
                ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(e.Value)),
            })]),
        };
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' names a root directory, not a file.", nameof(path));
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
                {
                    Add(zip, ManifestName, Json(manifest), CompressionLevel.Optimal);
                    foreach (var (name, bytes) in entries)
                        // Float weights hardly compress; storing them keeps saving and loading fast.
                        Add(zip, name, bytes, name.EndsWith(".safetensors", StringComparison.Ordinal) ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
            throw;
        }
    }

    public static byte[] Json(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(s_write));

    private static void Add(ZipArchive zip, string name, byte[] bytes, CompressionLevel level)
    {
        var entry = zip.CreateEntry(name, level);
        entry.LastWriteTime = s_timestamp;
        using var stream = entry.Open();
        stream.Write(bytes);
    }

    /// <summary>Opens a model file and checks its manifest: format, version, kind, and that it lists exactly the archive's entries.</summary>
    /// <exception cref="InvalidDataException">Not a model file, a newer format version, or a manifest that does not match the archive.</exception>
    public static ModelArchive Open(string path, Stream stream)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Model file '{path}' is not a model file: it is not a zip archive ({Table.Excerpt(e.Message, 300)}). Write model files with ModelFile.Save or TabularModel.Save.", e);
        }
        try
        {
            return Open(path, zip);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    private static ModelArchive Open(string path, ZipArchive zip)
    {
        if (zip.Entries.Count > MaxEntries)
            throw new InvalidDataException($"Model file '{path}' has {zip.Entries.Count:N0} entries, more than the {MaxEntries:N0} a model file may have.");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            if (!names.Add(entry.FullName))
                throw new InvalidDataException($"Model file '{path}' has two entries named '{Table.Excerpt(entry.FullName, 200)}'; the file was altered.");
        }
        var manifestEntry = zip.GetEntry(ManifestName)
            ?? throw new InvalidDataException($"Model file '{path}' lacks entry '{ManifestName}': it is not a model file (write one with ModelFile.Save or TabularModel.Save).");
        string source = $"Model file '{path}', entry '{ManifestName}'";
        var manifest = new JsonField(source, "", ParseJson(source, ReadLimited(source, manifestEntry, manifestEntry.Length, MaxJsonBytes)));
        string format = manifest["format"].String();
        if (format != Format)
            throw manifest["format"].Bad($"it is '{Table.Excerpt(format)}', not '{Format}': this is not a MultiTask model file.");
        int version = manifest["format_version"].Int32();
        if (version > ModelFile.FormatVersion)
            throw manifest["format_version"].Bad(
                $"the file has format version {version} (written by MultiTask {Table.Excerpt(manifest["library_version"].NullableString() ?? "unknown")}), " +
                $"but this is MultiTask {CurrentLibraryVersion}, which reads format versions 1 to {ModelFile.FormatVersion}; load it with a newer MultiTask.");
        if (version < 1)
            throw manifest["format_version"].Bad($"it is {version}; format versions start at 1, so the manifest is damaged.");
        string library = manifest["library_version"].String();
        if (library.Length is 0 or > 100)
            throw manifest["library_version"].Bad("it must name the library version that wrote the file (1 to 100 characters).");
        string kind = manifest["kind"].String();
        if (kind is not (ModelFile.ModelKind or ModelFile.TabularModelKind))
            throw manifest["kind"].Bad($"it is '{Table.Excerpt(kind)}', not '{ModelFile.ModelKind}' or '{ModelFile.TabularModelKind}'.");

        var entries = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        foreach (var item in manifest["entries"].Items())
        {
            string name = item["name"].String();
            long size = item["size"].Int64(0, MaxWeightsBytes);
            string hash = item["sha256"].String();
            if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
                throw item["sha256"].Bad("it is not 64 lower-case hexadecimal digits.");
            if (name == ManifestName || !entries.TryAdd(name, (size, hash)))
                throw item["name"].Bad($"entry '{Table.Excerpt(name, 200)}' is listed twice.");
            var entry = zip.GetEntry(name)
                ?? throw new InvalidDataException($"Model file '{path}' lacks entry '{Table.Excerpt(name, 200)}', which its manifest lists; the file is incomplete or was altered.");
            if (entry.Length != size)
                throw new InvalidDataException($"Model file '{path}', entry '{Table.Excerpt(name, 200)}': it is {entry.Length:N0} bytes, but the manifest says {size:N0}; the file was altered.");
        }
        foreach (var entry in zip.Entries)
        {
            if (entry.FullName != ManifestName && !entries.ContainsKey(entry.FullName))
                throw new InvalidDataException($"Model file '{path}' has entry '{Table.Excerpt(entry.FullName, 200)}', which its manifest does not list; the file was altered.");
        }
        return new ModelArchive(path, zip, entries, version, library, kind);
    }

    /// <summary>
    /// The bytes of <paramref name="name"/>, checked against the manifest's size (before reading) and SHA-256 (after).
    /// <paramref name="referrer"/> is the field that names the entry, blamed when the entry is missing.
    /// </summary>
    public byte[] Read(JsonField referrer, string name, long maxBytes)
    {
        if (!_entries.TryGetValue(name, out var expected))
            throw referrer.Bad($"it refers to entry '{Table.Excerpt(name, 200)}', which the file lacks.");
        string source = Describe(name);
        if (expected.Size > maxBytes)
            throw new InvalidDataException($"{source}: it is {expected.Size:N0} bytes, more than the {maxBytes:N0} such an entry may have.");
        var bytes = ReadLimited(source, _zip.GetEntry(name)!, expected.Size, maxBytes);
        if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != expected.Sha256)
            throw new InvalidDataException($"{source}: its SHA-256 differs from the manifest's; the entry is damaged or was altered.");
        return bytes;
    }

    /// <summary>A JSON entry, parsed.</summary>
    public JsonField ReadJson(JsonField referrer, string name)
    {
        string source = Describe(name);
        return new JsonField(source, "", ParseJson(source, Read(referrer, name, MaxJsonBytes)));
    }

    public void Dispose() => _zip.Dispose();

    private static JsonNode ParseJson(string source, byte[] bytes)
    {
        try
        {
            s_strictUtf8.GetCharCount(bytes);
            return JsonNode.Parse(bytes, documentOptions: s_read) ?? throw new InvalidDataException($"{source}: it is JSON null.");
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"{source}: it is not valid UTF-8 text.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: it is not valid JSON ({Table.Excerpt(e.Message, 300)}).", e);
        }
    }

    /// <summary>Reads an entry that should be <paramref name="size"/> bytes, refusing more than that or than <paramref name="max"/>.</summary>
    private static byte[] ReadLimited(string source, ZipArchiveEntry entry, long size, long max)
    {
        if (size > max)
            throw new InvalidDataException($"{source}: it is {size:N0} bytes, more than the {max:N0} such an entry may have.");
        var bytes = new byte[size];
        try
        {
            using var stream = entry.Open();
            int read = 0;
            while (read < bytes.Length)
            {
                int got = stream.Read(bytes, read, bytes.Length - read);
                if (got == 0)
                    throw new InvalidDataException($"{source}: it ends after {read:N0} of its {size:N0} bytes; the file is damaged.");
                read += got;
            }
            if (stream.ReadByte() >= 0)
                throw new InvalidDataException($"{source}: it holds more than the {size:N0} bytes it declares; the file is damaged.");
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            // The zip reader's own complaints (bad compressed data, CRC mismatch) do not say which entry.
            throw new InvalidDataException($"{source}: it cannot be read ({Table.Excerpt(e.Message, 2000)}); the file is damaged.", e);
        }
        return bytes;
    }
}
