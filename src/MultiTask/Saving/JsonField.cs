using System.Globalization;
using System.Text.Json.Nodes;
using MultiTask.Data;

namespace MultiTask.Saving;

/// <summary>
/// One value of a JSON entry of a model file, with its path (<c>parts[0].members[1].module.args.in_features</c>), so that
/// every complaint about untrusted input is an <see cref="InvalidDataException"/> naming the file, the entry and the field.
/// </summary>
internal readonly struct JsonField
{
    private readonly string _source;

    public JsonField(string source, string path, JsonNode? node)
    {
        _source = source;
        Path = path;
        Node = node;
    }

    /// <summary>The field's dotted path in its entry ("" for the entry's root).</summary>
    public string Path { get; }

    public JsonNode? Node { get; }

    public bool IsNull => Node is null;

    /// <summary>The property <paramref name="name"/> of this object (a null field when absent).</summary>
    public JsonField this[string name] => new(_source, Join(Path, name), Object().TryGetPropertyValue(name, out var child) ? child : null);

    public JsonObject Object() => Node as JsonObject ?? throw Bad(Node is null ? "it is missing." : "it is not a JSON object.");

    /// <summary>The object's properties in document order.</summary>
    public IReadOnlyList<(string Name, JsonField Value)> Properties()
    {
        var path = Path;
        var source = _source;
        return [.. Object().Select(p => (p.Key, new JsonField(source, Join(path, p.Key), p.Value)))];
    }

    public IReadOnlyList<JsonField> Items()
    {
        var array = Node as JsonArray ?? throw Bad(Node is null ? "it is missing." : "it is not a JSON array.");
        var path = Path;
        var source = _source;
        return [.. array.Select((item, i) => new JsonField(source, $"{path}[{i}]", item))];
    }

    public string String()
    {
        if (Node is JsonValue value && value.TryGetValue(out string? text)) return text;
        throw Bad(Node is null ? "it is missing." : "it is not a string.");
    }

    public string? NullableString() => IsNull ? null : String();

    public bool Boolean()
    {
        if (Node is JsonValue value && value.TryGetValue(out bool b)) return b;
        throw Bad(Node is null ? "it is missing." : "it is not true or false.");
    }

    public int Int32(int min = int.MinValue, int max = int.MaxValue)
    {
        if (Node is not JsonValue value || !value.TryGetValue(out int i))
            throw Bad(Node is null ? "it is missing." : "it is not a whole number in the 32-bit range.");
        if (i < min || i > max) throw Bad($"it is {i}, outside [{min}, {max}].");
        return i;
    }

    public int? NullableInt32(int min = int.MinValue, int max = int.MaxValue) => IsNull ? null : Int32(min, max);

    public long Int64(long min, long max)
    {
        if (Node is not JsonValue value || !value.TryGetValue(out long i))
            throw Bad(Node is null ? "it is missing." : "it is not a whole number in the 64-bit range.");
        if (i < min || i > max) throw Bad($"it is {i}, outside [{min}, {max}].");
        return i;
    }

    public double Double()
    {
        if (Node is JsonValue value && value.TryGetValue(out double d) && double.IsFinite(d)) return d;
        throw Bad(Node is null ? "it is missing." : "it is not a finite number.");
    }

    /// <summary>A float written as the double it converts to exactly, read back as the same float.</summary>
    public float Single()
    {
        double d = Double();
        float f = (float)d;
        if (!float.IsFinite(f)) throw Bad($"it is {d.ToString(CultureInfo.InvariantCulture)}, outside the float32 range.");
        return f;
    }

    public int[] Int32Array(int min = int.MinValue, int max = int.MaxValue) => [.. Items().Select(i => i.Int32(min, max))];

    public string[] StringArray() => [.. Items().Select(i => i.String())];

    /// <summary>An enum member written by name (numbers are refused: they would accept values the writer never wrote).</summary>
    public T Enum<T>() where T : struct, Enum
    {
        string text = String();
        if (text.Length > 0 && !char.IsDigit(text[0]) && text[0] != '-' && System.Enum.TryParse(text, ignoreCase: false, out T result) && System.Enum.IsDefined(result))
            return result;
        throw Bad($"'{Table.Excerpt(text)}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}.");
    }

    public InvalidDataException Bad(string problem, Exception? inner = null) =>
        // A problem may quote names read from the file (e.g. a validation message listing the schema's features): shortened,
        // so that a hostile file cannot make a message as large as itself.
        new($"{_source}, field '{(Path.Length == 0 ? "(root)" : Table.Excerpt(Path, 200))}': {Table.Excerpt(problem, 2000)}", inner);

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
