using System.Text.Json;
using MultiTask.Tasks;

namespace MultiTask.Data;

public sealed partial class FeatureEncoder
{
    // Version 2 adds target transforms and numeric encodings; version 1 files (standardisation only) still load.
    private const int FileVersion = 2;

    /// <summary>
    /// Writes the fitted state (feature statistics, quantiles and bin edges, target transforms, which
    /// features carry a presence column)
    /// as JSON, so that a model can be used for prediction in another process with exactly the same
    /// encoding. The file is written to a temporary file and then renamed, so an existing file is never
    /// left half-written.
    /// </summary>
    /// <param name="path">The file to write.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp";
        File.WriteAllText(temp, ToJson());
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>The fitted state as the JSON text <see cref="Save"/> writes (also an entry of a saved model file).</summary>
    internal string ToJson()
    {
        var state = new EncoderFile
        {
            Version = FileVersion,
            Features = Schema.Features.Select((f, i) => new FeatureState
            {
                Name = f.Name, Kind = f.Kind.ToString(), Categories = [.. f.Categories], Encoding = f.Encoding.ToString(),
                Mean = _numerics[i]?.Scaling.Mean ?? 0, Std = _numerics[i]?.Scaling.Std ?? 1, HasPresence = _blocks[i].HasPresence,
                NumericEncoding = f.NumericOptions?.Encoding.ToString(), Log = f.NumericOptions?.Log ?? false, Bins = f.NumericOptions?.Bins,
                Quantiles = _numerics[i]?.Quantiles?.ToList(), Edges = _numerics[i]?.Edges?.ToList(),
            }).ToList(),
            Tasks = _tasks.Select((t, i) => new TaskState
            {
                Name = t.Name, Kind = t.Kind.ToString(), OutputSize = t.OutputSize,
                TargetMean = _targetTransforms[i]?.Standardization?.Mean, TargetStd = _targetTransforms[i]?.Standardization?.Std,
                TargetTransform = _targetTransforms[i]?.Kind.ToString(), TargetGroup = _targetTransforms[i]?.Group,
                Lambda = _targetTransforms[i] is { Kind: TargetTransform.YeoJohnson } yj ? yj.Lambda : null,
            }).ToList(),
        };
        return JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// Restores an encoder written by <see cref="Save"/>. The schema and tasks are the ones the encoder
    /// was fitted with, given again in code (tasks carry code such as custom losses); the file supplies
    /// the fitted statistics, and must describe the same features and tasks.
    /// </summary>
    /// <param name="path">The file written by <see cref="Save"/>.</param>
    /// <param name="schema">The schema the encoder was fitted with.</param>
    /// <param name="tasks">The tasks the encoder was fitted with, in the same order.</param>
    /// <returns>An encoder that encodes exactly as the saved one did.</returns>
    /// <exception cref="InvalidDataException">The file is not an encoder file or does not match the schema and tasks; the message names the difference.</exception>
    public static FeatureEncoder Load(string path, FeatureSchema schema, IReadOnlyList<TaskSpec> tasks)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(tasks);
        return FromJson(File.ReadAllText(path), $"'{path}'", schema, tasks);
    }

    /// <summary>Restores an encoder from the JSON text <see cref="ToJson"/> wrote; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Load"/>.</exception>
    internal static FeatureEncoder FromJson(string json, string source, FeatureSchema schema, IReadOnlyList<TaskSpec> tasks)
    {
        EncoderFile? state;
        try
        {
            state = JsonSerializer.Deserialize<EncoderFile>(json);
        }
        catch (JsonException e)
        {
            // The parser quotes the offending token, which can be as long as the file.
            throw new InvalidDataException($"{source} is not a FeatureEncoder file: {Table.Excerpt(e.Message, 300)}", e);
        }
        if (state is null || state.Version is < 1 or > FileVersion || state.Features is null || state.Tasks is null)
            throw new InvalidDataException($"{source} is not a FeatureEncoder file of version {FileVersion}; write it with FeatureEncoder.Save.");

        // Names and kinds come from the file, so a hostile file could otherwise make the message as large as itself.
        string Mismatch(string what) => $"{source} does not match the given schema and tasks: {Table.Excerpt(what, 1000)}. Load with the schema and tasks the encoder was fitted with.";
        if (state.Features.Count != schema.Count)
            throw new InvalidDataException(Mismatch($"the file has {state.Features.Count} features ({string.Join(", ", state.Features.Select(f => f.Name))}), the schema {schema.Count} ({string.Join(", ", schema.Names)})"));
        var numerics = new FittedNumeric?[schema.Count];
        var hasMissing = new bool[schema.Count];
        for (int f = 0; f < schema.Count; f++)
        {
            var spec = schema.Features[f];
            var saved = state.Features[f];
            if (saved.Name != spec.Name || saved.Kind != spec.Kind.ToString() || saved.Encoding != spec.Encoding.ToString()
                || !(saved.Categories ?? []).SequenceEqual(spec.Categories, StringComparer.Ordinal))
                throw new InvalidDataException(Mismatch($"feature {f} is '{saved.Name}' ({saved.Kind}) in the file but '{spec.Name}' ({spec.Kind}) in the schema, or its categories or encoding differ"));
            if (!(saved.Std > 0) || !double.IsFinite(saved.Mean))
                throw new InvalidDataException(Mismatch($"feature '{saved.Name}' has invalid statistics (mean {saved.Mean}, std {saved.Std})"));
            if (spec.NumericOptions is { } options)
            {
                var savedOptions = new NumericOptions
                {
                    Encoding = Enum.TryParse<NumericEncoding>(saved.NumericEncoding ?? nameof(NumericEncoding.Standard), out var e) ? e : (NumericEncoding)(-1),
                    Log = saved.Log,
                    Bins = saved.Bins ?? NumericOptions.DefaultBins,
                };
                if (savedOptions != options)
                    throw new InvalidDataException(Mismatch($"numeric feature '{spec.Name}' is encoded {saved.NumericEncoding ?? "Standard"} ({savedOptions}) in the file but {options} in the schema"));
                bool Ascending(List<double>? v, int min, bool strict) => v is not null && v.Count >= min && v.All(double.IsFinite)
                    && v.Zip(v.Skip(1)).All(p => strict ? p.First < p.Second : p.First <= p.Second);
                if (options.Encoding == NumericEncoding.Quantile && !Ascending(saved.Quantiles, 1, strict: false)
                    || options.Encoding == NumericEncoding.PiecewiseLinear && !Ascending(saved.Edges, 2, strict: true))
                    throw new InvalidDataException(Mismatch($"feature '{spec.Name}' has missing or invalid quantiles or bin edges"));
                numerics[f] = new FittedNumeric(spec.Name, options, new Standardization(saved.Mean, saved.Std),
                    options.Encoding == NumericEncoding.Quantile ? [.. saved.Quantiles!] : null,
                    options.Encoding == NumericEncoding.PiecewiseLinear ? [.. saved.Edges!] : null);
            }
            // A feature used by every task has a presence column only because training data lacked values.
            hasMissing[f] = saved.HasPresence;
        }
        var taskArray = tasks.ToArray();
        if (!taskArray.Select(t => t.Name).SequenceEqual(state.Tasks.Select(t => t.Name), StringComparer.Ordinal))
            throw new InvalidDataException(Mismatch($"the file's tasks are ({string.Join(", ", state.Tasks.Select(t => t.Name))}), the given ones ({string.Join(", ", taskArray.Select(t => t.Name))})"));
        var targetTransforms = new FittedTargetTransform?[taskArray.Length];
        for (int t = 0; t < taskArray.Length; t++)
        {
            var saved = state.Tasks[t];
            var spec = taskArray[t];
            if (saved.Kind != spec.Kind.ToString() || saved.OutputSize != spec.OutputSize)
                throw new InvalidDataException(Mismatch($"task '{saved.Name}' is {saved.Kind} with {saved.OutputSize} output(s) in the file but {spec.Kind} with {spec.OutputSize} in code"));
            if (spec.Kind != TaskKind.Regression) continue;
            Standardization? stats = saved.TargetMean is double mean && saved.TargetStd is double std ? new Standardization(mean, std) : null;
            // A version 1 file knew only standardisation: its presence says which.
            string savedTransform = saved.TargetTransform ?? (stats is null ? nameof(TargetTransform.None) : nameof(TargetTransform.Standardize));
            if (savedTransform != spec.TargetTransform.ToString() || saved.TargetGroup != spec.TargetGroup)
                throw new InvalidDataException(Mismatch(
                    $"task '{spec.Name}' has target transform {savedTransform}{(saved.TargetGroup is null ? "" : $" in group '{saved.TargetGroup}'")} in the file but {spec.TargetTransform}{(spec.TargetGroup is null ? "" : $" in group '{spec.TargetGroup}'")} in code"));
            if ((spec.TargetTransform != TargetTransform.None) != stats.HasValue
                || stats is { } st && !(st.Std > 0 && double.IsFinite(st.Mean) && double.IsFinite(st.Std))
                || spec.TargetTransform == TargetTransform.YeoJohnson && saved.Lambda is not (>= -5.0 and <= 5.0))
                throw new InvalidDataException(Mismatch($"task '{spec.Name}' has missing or invalid target statistics"));
            targetTransforms[t] = new FittedTargetTransform(spec.TargetTransform,
                spec.TargetTransform == TargetTransform.YeoJohnson ? saved.Lambda!.Value : double.NaN, stats, spec.TargetGroup);
        }
        var encoder = new FeatureEncoder(schema, taskArray, numerics, hasMissing, targetTransforms);
        for (int f = 0; f < schema.Count; f++)
        {
            if (encoder._blocks[f].HasPresence != state.Features[f].HasPresence)
                throw new InvalidDataException(Mismatch($"feature '{schema.Features[f].Name}' {(state.Features[f].HasPresence ? "had" : "had no")} presence column when saved; the tasks' feature lists differ"));
        }
        return encoder;
    }

    private sealed class EncoderFile
    {
        public int Version { get; set; }
        public List<FeatureState>? Features { get; set; }
        public List<TaskState>? Tasks { get; set; }
    }

    private sealed class FeatureState
    {
        public string Name { get; set; } = "";
        public string Kind { get; set; } = "";
        public string Encoding { get; set; } = "";
        public List<string>? Categories { get; set; }
        public double Mean { get; set; }
        public double Std { get; set; }
        public bool HasPresence { get; set; }
        public string? NumericEncoding { get; set; }
        public bool Log { get; set; }
        public int? Bins { get; set; }
        public List<double>? Quantiles { get; set; }
        public List<double>? Edges { get; set; }
    }

    private sealed class TaskState
    {
        public string Name { get; set; } = "";
        public string Kind { get; set; } = "";
        public int OutputSize { get; set; }
        public double? TargetMean { get; set; }
        public double? TargetStd { get; set; }
        public string? TargetTransform { get; set; }
        public string? TargetGroup { get; set; }
        public double? Lambda { get; set; }
    }
}
