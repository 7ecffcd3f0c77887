using System.Text.Json;
using System.Text.Json.Serialization;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Serialization;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Training;

public sealed partial class MultiTaskTrainer
{
    /// <summary>The model weights (and, under <c>weighting.</c>, the weighting's learned tensors).</summary>
    public const string ModelFileName = "model.safetensors";

    /// <summary>The optimizer's state tensors (e.g. Adam's moments).</summary>
    public const string OptimizerFileName = "optimizer.safetensors";

    /// <summary>The callbacks' state tensors (e.g. early stopping's best weights).</summary>
    public const string CallbacksFileName = "callbacks.safetensors";

    /// <summary>Everything else; written last, so its presence marks a complete checkpoint.</summary>
    public const string TrainerFileName = "trainer.json";

    private const string CheckpointIdKey = "checkpoint_id";
    private const string WeightingPrefix = "weighting.";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };

    private GeneratorState? _restoredLoader;
    private OptimizerStateDict? _pendingOptimizer;
    private List<(CheckpointCallback Entry, Dictionary<string, Tensor> Tensors)>? _pendingCallbacks;

    /// <summary>
    /// Writes everything needed to continue training exactly into <paramref name="directory"/>:
    /// <see cref="ModelFileName"/>, <see cref="OptimizerFileName"/>, <see cref="CallbacksFileName"/> and, last,
    /// <see cref="TrainerFileName"/> (tasks, optimizer numbers, weighting state, epoch, step, random streams,
    /// callback state, history). Call it at an epoch end (e.g. through <see cref="ModelCheckpoint"/>).
    /// </summary>
    /// <remarks>
    /// The files are written into <c>&lt;directory&gt;.partial</c> (each to a temporary file renamed into place),
    /// then that directory replaces <paramref name="directory"/> by two renames: the old checkpoint becomes
    /// <c>&lt;directory&gt;.previous</c>, the new one takes its name, and the old one is deleted. A crash
    /// while writing leaves the previous checkpoint untouched (and an incomplete <c>.partial</c> without
    /// <see cref="TrainerFileName"/>); a crash between the renames leaves a complete
    /// <c>.previous</c>, which <see cref="LoadCheckpoint"/> falls back to.
    /// </remarks>
    /// <param name="directory">The checkpoint directory: new, empty, or an earlier checkpoint.</param>
    /// <exception cref="IOException">The directory holds files that are not a checkpoint.</exception>
    public void SaveCheckpoint(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        string staging = full + ".partial", previous = full + ".previous";
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !File.Exists(Path.Combine(full, TrainerFileName)))
            throw new IOException($"'{full}' exists and is not a checkpoint (it has no {TrainerFileName}); choose a new or empty directory so no unrelated file is replaced.");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);

        string id = Guid.NewGuid().ToString("N");
        var metadata = new Dictionary<string, string> { [CheckpointIdKey] = id };
        var weighting = Options.Weighting.StateDict();
        var modelTensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, t) in Model.StateDict())
        {
            if (k.StartsWith(WeightingPrefix, StringComparison.Ordinal))
                throw new InvalidOperationException($"The model has a parameter named '{k}', which clashes with the checkpoint's '{WeightingPrefix}' entries; rename the module.");
            modelTensors[k] = t;
        }
        foreach (var (k, t) in weighting.Tensors) modelTensors[WeightingPrefix + k] = t;
        SafeTensors.Save(modelTensors, Path.Combine(staging, ModelFileName), metadata);
        var optimizer = Optimizer.StateDict();
        SafeTensors.Save(optimizer.Tensors, Path.Combine(staging, OptimizerFileName), metadata);

        var callbackEntries = new List<CheckpointCallback>();
        var callbackTensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < Options.Callbacks.Count; i++)
        {
            var state = Options.Callbacks[i].StateDict();
            callbackEntries.Add(new CheckpointCallback { Type = Options.Callbacks[i].GetType().Name, HasState = state is not null, Values = state?.Values ?? [] });
            if (state is null) continue;
            foreach (var (k, t) in state.Tensors) callbackTensors[$"{i}.{k}"] = t;
        }
        SafeTensors.Save(callbackTensors, Path.Combine(staging, CallbacksFileName), metadata);

        var document = new CheckpointDocument
        {
            Format = 1,
            CheckpointId = id,
            Model = Model.GetType().Name,
            Tasks = [.. Model.TaskNames],
            Epoch = EpochsCompleted,
            GlobalStep = _globalStep,
            Seed = Options.Seed,
            BatchSize = Options.BatchSize,
            Optimizer = Options.Optimizer.GetType().Name,
            OptimizerValues = optimizer.Values,
            Weighting = Options.Weighting.GetType().Name,
            WeightingValues = weighting.Values,
            WeightingContext = WeightingContext.StateDict().Values,
            LoaderGenerator = _loaderGenerator.GetState(),
            Generators = Options.Generators.Select(g => g.GetState()).ToList(),
            SamplerUpdates = [.. _samplerUpdates],
            Callbacks = callbackEntries,
            History = _history.Records.Select(r => new CheckpointEpoch { Epoch = r.Epoch, Values = r.Values.ToDictionary() }).ToList(),
        };
        WriteAtomically(Path.Combine(staging, TrainerFileName), JsonSerializer.SerializeToUtf8Bytes(document, s_json));

        if (Directory.Exists(full))
        {
            if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
            Directory.Move(full, previous);
        }
        Directory.Move(staging, full);
        if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint"/> into this trainer and its model: weights,
    /// optimizer, weighting and its context, history, step, random streams; callback state is applied when the
    /// next <see cref="Fit"/> begins (after the callbacks' <see cref="Callback.OnTrainBegin"/>). Build the trainer
    /// exactly as for the checkpointed run (same architecture, options and callbacks) and then call <see cref="Fit"/>
    /// with the same data: training continues as if it had never stopped, bit for bit.
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <exception cref="FileNotFoundException">No complete checkpoint is there.</exception>
    /// <exception cref="InvalidDataException">The checkpoint's files belong to different saves, or it was written for other tasks, optimizer, weighting or callbacks.</exception>
    public void LoadCheckpoint(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        string dir = File.Exists(Path.Combine(full, TrainerFileName)) ? full
            : File.Exists(Path.Combine(full + ".previous", TrainerFileName)) ? full + ".previous"
            : throw new FileNotFoundException(
                $"No complete checkpoint in '{full}': {TrainerFileName} is missing (it is written last, so a checkpoint without it is incomplete).",
                Path.Combine(full, TrainerFileName));
        var document = JsonSerializer.Deserialize<CheckpointDocument>(File.ReadAllBytes(Path.Combine(dir, TrainerFileName)), s_json)
            ?? throw new InvalidDataException($"'{Path.Combine(dir, TrainerFileName)}' is empty.");
        if (document.Format != 1)
            throw new InvalidDataException($"Checkpoint format {document.Format} is not supported (expected 1).");
        Check(document.Tasks.SequenceEqual(Model.TaskNames, StringComparer.Ordinal),
            $"The checkpoint was written for tasks {Quote(document.Tasks)} but the model has tasks {Quote(Model.TaskNames)}.");
        Check(document.Optimizer == Options.Optimizer.GetType().Name,
            $"The checkpoint was written with {document.Optimizer} but this trainer uses {Options.Optimizer.GetType().Name}.");
        Check(document.Weighting == Options.Weighting.GetType().Name,
            $"The checkpoint was written with {document.Weighting} weighting but this trainer uses {Options.Weighting.GetType().Name}.");
        Check(document.Generators.Count == Options.Generators.Count,
            $"The checkpoint has {document.Generators.Count} extra random streams but TrainerOptions.Generators has {Options.Generators.Count}.");
        Check(document.Callbacks.Select(c => c.Type).SequenceEqual(Options.Callbacks.Select(c => c.GetType().Name), StringComparer.Ordinal),
            $"The checkpoint has callbacks [{string.Join(", ", document.Callbacks.Select(c => c.Type))}] but this trainer has [{string.Join(", ", Options.Callbacks.Select(c => c.GetType().Name))}]; pass the same callbacks in the same order.");
        Check(document.Seed == Options.Seed && document.BatchSize == Options.BatchSize,
            $"The checkpoint was written with seed {document.Seed} and batch size {document.BatchSize}, this trainer has {Options.Seed} and {Options.BatchSize}.");

        var model = ReadTensors(dir, ModelFileName, document.CheckpointId);
        var optimizerTensors = ReadTensors(dir, OptimizerFileName, document.CheckpointId);
        var callbackTensors = ReadTensors(dir, CallbacksFileName, document.CheckpointId);

        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var weighting = new WeightingStateDict();
        foreach (var (k, t) in model)
        {
            if (k.StartsWith(WeightingPrefix, StringComparison.Ordinal)) weighting.Tensors[k[WeightingPrefix.Length..]] = t;
            else weights[k] = t;
        }
        foreach (var (k, v) in document.WeightingValues) weighting.Values[k] = v;
        var context = new WeightingStateDict();
        foreach (var (k, v) in document.WeightingContext) context.Values[k] = v;
        var optimizer = new OptimizerStateDict();
        foreach (var (k, t) in optimizerTensors) optimizer.Tensors[k] = t;
        foreach (var (k, v) in document.OptimizerValues) optimizer.Values[k] = v;

        Model.LoadStateDict(weights);
        Options.Weighting.LoadStateDict(weighting);
        WeightingContext.LoadStateDict(context);
        Optimizer.LoadStateDict(optimizer);
        _history.Replace(document.History.Select(e => new EpochRecord(e.Epoch, e.Values)));
        _globalStep = document.GlobalStep;
        _samplerUpdates.Clear();
        _samplerUpdates.AddRange(document.SamplerUpdates);
        for (int i = 0; i < Options.Generators.Count; i++) Options.Generators[i].SetState(document.Generators[i]);
        _restoredLoader = document.LoaderGenerator;
        _loader = null;
        // A scheduler callback rebuilt at the next OnTrainBegin rewrites the learning rates, so the optimizer's
        // numbers are applied again after it, together with the callbacks' own state.
        _pendingOptimizer = optimizer;
        _pendingCallbacks = document.Callbacks.Select((c, i) => (c, callbackTensors
            .Where(kv => kv.Key.StartsWith($"{i}.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[($"{i}.").Length..], kv => kv.Value, StringComparer.Ordinal))).ToList();
    }

    private void ApplyPendingState()
    {
        if (_pendingOptimizer is { } optimizer) Optimizer.LoadStateDict(optimizer);
        if (_pendingCallbacks is { } callbacks)
        {
            for (int i = 0; i < callbacks.Count; i++)
            {
                var (entry, tensors) = callbacks[i];
                if (!entry.HasState) continue;
                var state = new CallbackState();
                foreach (var (k, v) in entry.Values) state.Values[k] = v;
                foreach (var (k, t) in tensors) state.Tensors[k] = t;
                Options.Callbacks[i].LoadStateDict(state);
            }
        }
        _pendingOptimizer = null;
        _pendingCallbacks = null;
    }

    private static OrderedDictionary<string, Tensor> ReadTensors(string directory, string file, string id)
    {
        string path = Path.Combine(directory, file);
        if (!File.Exists(path))
            throw new InvalidDataException($"The checkpoint in '{directory}' lacks {file}; it is incomplete or was altered.");
        var content = SafeTensors.LoadWithMetadata(path);
        if (!content.Metadata.TryGetValue(CheckpointIdKey, out var fileId) || fileId != id)
            throw new InvalidDataException(
                $"'{path}' belongs to another save than {TrainerFileName} (checkpoint id {fileId ?? "missing"}, expected {id}); the checkpoint's files were mixed.");
        return content.Tensors;
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new InvalidDataException(message + " Build the trainer as for the checkpointed run.");
    }

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    internal sealed class CheckpointDocument
    {
        public int Format { get; set; }

        public string CheckpointId { get; set; } = "";

        public string Model { get; set; } = "";

        public List<string> Tasks { get; set; } = [];

        public int Epoch { get; set; }

        public long GlobalStep { get; set; }

        public ulong Seed { get; set; }

        public int BatchSize { get; set; }

        public string Optimizer { get; set; } = "";

        public Dictionary<string, double> OptimizerValues { get; set; } = [];

        public string Weighting { get; set; } = "";

        public Dictionary<string, double> WeightingValues { get; set; } = [];

        public Dictionary<string, double> WeightingContext { get; set; } = [];

        public GeneratorState? LoaderGenerator { get; set; }

        public List<GeneratorState> Generators { get; set; } = [];

        public List<Dictionary<string, double>> SamplerUpdates { get; set; } = [];

        public List<CheckpointCallback> Callbacks { get; set; } = [];

        public List<CheckpointEpoch> History { get; set; } = [];
    }

    internal sealed class CheckpointCallback
    {
        public string Type { get; set; } = "";

        public bool HasState { get; set; }

        public Dictionary<string, double> Values { get; set; } = [];
    }

    internal sealed class CheckpointEpoch
    {
        public int Epoch { get; set; }

        public Dictionary<string, double> Values { get; set; } = [];
    }
}
