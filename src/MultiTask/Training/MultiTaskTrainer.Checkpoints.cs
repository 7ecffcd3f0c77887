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

    // Reading is strict: a missing or null field, an unknown or repeated one is an error rather than a default.
    private static readonly JsonSerializerOptions s_read = new(s_json)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    private GeneratorState? _restoredLoader;
    private string? _restoredLoaderFile;
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
    /// <c>.previous</c>, which <see cref="LoadCheckpoint"/> falls back to. With a <see cref="TrainerOptions.ProcessGroup"/>
    /// of several processes only rank 0 writes (the others return at once); every rank may load the checkpoint.
    /// </remarks>
    /// <param name="directory">The checkpoint directory: new, empty, or an earlier checkpoint.</param>
    /// <exception cref="IOException">The directory holds files that are not a checkpoint.</exception>
    public void SaveCheckpoint(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        // With several processes every rank holds the same state; rank 0 alone writes it, and every rank can load it.
        if (Options.ProcessGroup is { Rank: > 0 }) return;
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
            GroupWeights = Options.GroupDro?.StateValues(),
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
    /// <remarks>
    /// Loading is all or nothing: every part (weights, optimizer, weighting and its context, sampler updates,
    /// callbacks, history, random streams) is checked against the model, the options and the other parts before
    /// anything changes, and a failure leaves the trainer, its model and its options exactly as they were. Counts
    /// read from the files are checked against what the files hold before they size anything.
    /// </remarks>
    /// <param name="directory">The checkpoint directory.</param>
    /// <exception cref="FileNotFoundException">No complete checkpoint is there.</exception>
    /// <exception cref="InvalidDataException">
    /// A file is damaged or altered, the files belong to different saves or contradict each other, or the checkpoint
    /// was written for other tasks, optimizer, weighting or callbacks; the message names the file and the field.
    /// </exception>
    public void LoadCheckpoint(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        string dir = File.Exists(Path.Combine(full, TrainerFileName)) ? full
            : File.Exists(Path.Combine(full + ".previous", TrainerFileName)) ? full + ".previous"
            : throw new FileNotFoundException(
                $"No complete checkpoint in '{full}': {TrainerFileName} is missing (it is written last, so a checkpoint without it is incomplete).",
                Path.Combine(full, TrainerFileName));
        Apply(Read(dir), dir);
    }

    /// <summary>Reads and checks every part of a checkpoint; changes nothing.</summary>
    private LoadPlan Read(string dir)
    {
        string json = Path.Combine(dir, TrainerFileName);
        var document = ReadDocument(json);
        int epochs = document.Epoch;

        Expect(json, "format", document.Format == 1, $"format {document.Format} is not supported (expected 1).");
        Expect(json, "checkpoint_id", document.CheckpointId.Length > 0, "it is empty.");
        Expect(json, "model", document.Model == Model.GetType().Name,
            $"the checkpoint was written for a {document.Model} but this trainer's model is a {Model.GetType().Name}." + Rebuild);
        Expect(json, "tasks", document.Tasks.SequenceEqual(Model.TaskNames, StringComparer.Ordinal),
            $"the checkpoint was written for tasks {Quote(document.Tasks)} but the model has tasks {Quote(Model.TaskNames)}." + Rebuild);
        Expect(json, "optimizer", document.Optimizer == Options.Optimizer.GetType().Name,
            $"the checkpoint was written with {document.Optimizer} but this trainer uses {Options.Optimizer.GetType().Name}." + Rebuild);
        Expect(json, "weighting", document.Weighting == Options.Weighting.GetType().Name,
            $"the checkpoint was written with {document.Weighting} weighting but this trainer uses {Options.Weighting.GetType().Name}." + Rebuild);
        Expect(json, "group_weights", (document.GroupWeights is null) == (Options.GroupDro is null),
            (document.GroupWeights is null ? "it is missing, but this trainer uses GroupDro" : "the checkpoint was written with GroupDro but this trainer has none") + "." + Rebuild);
        Expect(json, "seed", document.Seed == Options.Seed && document.BatchSize == Options.BatchSize,
            $"the checkpoint was written with seed {document.Seed} and batch size {document.BatchSize}, this trainer has {Options.Seed} and {Options.BatchSize}." + Rebuild);
        Expect(json, "generators", document.Generators.Count == Options.Generators.Count,
            $"the checkpoint has {document.Generators.Count} extra random streams but TrainerOptions.Generators has {Options.Generators.Count}." + Rebuild);
        Expect(json, "callbacks", document.Callbacks.Select(c => c.Type).SequenceEqual(Options.Callbacks.Select(c => c.GetType().Name), StringComparer.Ordinal),
            $"the checkpoint has callbacks [{string.Join(", ", document.Callbacks.Select(c => c.Type))}] but this trainer has [{string.Join(", ", Options.Callbacks.Select(c => c.GetType().Name))}]; pass the same callbacks in the same order." + Rebuild);

        // The history is the one count every other part is checked against: each of its entries is in the file.
        Expect(json, "epoch", epochs >= 0 && epochs == document.History.Count,
            $"it says {epochs} finished epochs but the history holds {document.History.Count}; the file was altered.");
        for (int e = 0; e < document.History.Count; e++)
            Expect(json, $"history[{e}].epoch", document.History[e].Epoch == e, $"it is {document.History[e].Epoch}, expected {e}: the history must list epochs 0, 1, 2, ... in order.");
        Expect(json, "global_step", document.GlobalStep >= 0, $"it is {document.GlobalStep}; a step count cannot be negative.");
        CheckGenerator(json, "loader_generator", document.LoaderGenerator);
        for (int i = 0; i < document.Generators.Count; i++) CheckGenerator(json, $"generators[{i}]", document.Generators[i]);

        int expectedUpdates = Options.Sampler is null ? 0 : epochs;
        Expect(json, "sampler_updates", document.SamplerUpdates.Count == expectedUpdates,
            $"it holds {document.SamplerUpdates.Count} updates but the run " + (Options.Sampler is null ? "has no task sampler, so it records none." : $"finished {epochs} epochs with a task sampler, which records one per epoch."));
        for (int e = 0; e < document.SamplerUpdates.Count; e++)
        {
            var update = document.SamplerUpdates[e];
            if (update.Keys.FirstOrDefault(k => !Model.TaskNames.Contains(k, StringComparer.Ordinal)) is { } unknown)
                throw Bad(json, $"sampler_updates[{e}]", $"it names task '{unknown}', which the model does not have ({Quote(Model.TaskNames)}).");
            Guard(json, $"sampler_updates[{e}]", () => Options.Sampler!.ValidateUpdate(update));
        }

        var context = new WeightingStateDict();
        foreach (var (k, v) in document.WeightingContext) context.Values[k] = v;
        double ContextValue(string key) => document.WeightingContext.TryGetValue(key, out double v) ? v
            : throw Bad(json, $"weighting_context.{key}", "it is missing.");
        double recorded = ContextValue("recorded_epochs"), contextStep = ContextValue("step"), contextEpoch = ContextValue("epoch");
        Expect(json, "weighting_context.recorded_epochs", recorded == epochs,
            $"it is {recorded} but the history holds {epochs} epochs; each finished epoch records its losses once.");
        Expect(json, "weighting_context.step", contextStep <= document.GlobalStep,
            $"it is {contextStep} but global_step is {document.GlobalStep}; optimizer steps cannot outnumber batches.");
        Expect(json, "weighting_context.epoch", contextEpoch <= epochs, $"it is {contextEpoch} but only {epochs} epochs finished.");
        Guard(json, "weighting_context", () => new WeightingContext(Model.TaskNames, []).LoadStateDict(context));

        var modelTensors = ReadTensors(dir, ModelFileName, document.CheckpointId);
        var optimizerTensors = ReadTensors(dir, OptimizerFileName, document.CheckpointId);
        var callbackTensors = ReadTensors(dir, CallbacksFileName, document.CheckpointId);

        string modelPath = Path.Combine(dir, ModelFileName);
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var weighting = new WeightingStateDict();
        foreach (var (k, t) in modelTensors)
        {
            if (k.StartsWith(WeightingPrefix, StringComparison.Ordinal)) weighting.Tensors[k[WeightingPrefix.Length..]] = t;
            else weights[k] = t;
        }
        foreach (var (k, v) in document.WeightingValues) weighting.Values[k] = v;
        var own = Model.StateDict();
        if (own.Keys.FirstOrDefault(k => !weights.ContainsKey(k)) is { } absent)
            throw Bad(modelPath, $"tensor '{absent}'", $"it is missing, but the model ({Model.GetType().Name}) has it; the file was altered or written for another architecture.");
        if (weights.Keys.FirstOrDefault(k => !own.ContainsKey(k)) is { } extra)
            throw Bad(modelPath, $"tensor '{extra}'", $"the model ({Model.GetType().Name}) has no such parameter; the file was altered or written for another architecture.");
        foreach (var (k, t) in weights)
            Expect(modelPath, $"tensor '{k}'", t.Shape.SequenceEqual(own[k].Shape),
                $"it has shape [{string.Join(", ", t.Shape)}] but the model's has [{string.Join(", ", own[k].Shape)}].");

        string optimizerPath = Path.Combine(dir, OptimizerFileName);
        var optimizer = new OptimizerStateDict();
        foreach (var (k, t) in optimizerTensors) optimizer.Tensors[k] = t;
        foreach (var (k, v) in document.OptimizerValues) optimizer.Values[k] = v;
        // A throwaway optimizer over the same parameter groups checks the state without touching the live one.
        Guard(optimizerPath, $"optimizer state (tensors in this file, numbers in {TrainerFileName}'s optimizer_values)", () => Options.Optimizer.Create(BuildParamGroups()).LoadStateDict(optimizer));

        string callbacksPath = Path.Combine(dir, CallbacksFileName);
        var callbacks = new List<(CheckpointCallback Entry, Dictionary<string, Tensor> Tensors)>();
        foreach (var key in callbackTensors.Keys)
        {
            int dot = key.IndexOf('.', StringComparison.Ordinal);
            Expect(callbacksPath, $"tensor '{key}'",
                dot > 0 && int.TryParse(key.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i)
                && i < document.Callbacks.Count && document.Callbacks[i].HasState,
                $"it belongs to no callback with state (names are '<callback index>.<name>', and the trainer has {document.Callbacks.Count} callbacks).");
        }
        for (int i = 0; i < document.Callbacks.Count; i++)
        {
            var entry = document.Callbacks[i];
            string prefix = $"{i}.";
            var tensors = callbackTensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
            if (!entry.HasState)
            {
                Expect(json, $"callbacks[{i}].values", entry.Values.Count == 0, $"{entry.Type} is saved without state but has values.");
            }
            else
            {
                var state = ToState(entry, tensors);
                Guard(callbacksPath, $"callbacks[{i}] ({entry.Type}; numbers in {TrainerFileName}'s callbacks[{i}].values)", () => Options.Callbacks[i].ValidateStateDict(state, this, epochs));
            }
            callbacks.Add((entry, tensors));
        }

        var history = new List<EpochRecord>();
        foreach (var e in document.History) history.Add(new EpochRecord(e.Epoch, e.Values));
        return new LoadPlan(document, weights, weighting, context, optimizer, callbacks, history);
    }

    /// <summary>Applies a checked checkpoint; on any failure puts back everything it had changed.</summary>
    private void Apply(LoadPlan plan, string dir)
    {
        string modelPath = Path.Combine(dir, ModelFileName);
        var undo = new List<Action>();
        try
        {
            // A strategy's state can only be checked by loading it, so it goes first, with its previous state kept to put back.
            var weighting = Options.Weighting.StateDict();
            undo.Add(() => Options.Weighting.LoadStateDict(weighting));
            Guard(modelPath, $"'{WeightingPrefix}*' tensors and {TrainerFileName}'s weighting_values", () => Options.Weighting.LoadStateDict(plan.Weighting));

            var weights = Model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone(), StringComparer.Ordinal);
            undo.Add(() => Model.LoadStateDict(weights));
            Model.LoadStateDict(plan.Weights);
            var context = WeightingContext.StateDict();
            undo.Add(() => WeightingContext.LoadStateDict(context));
            WeightingContext.LoadStateDict(plan.Context);
            var optimizer = Optimizer.StateDict();
            undo.Add(() => Optimizer.LoadStateDict(optimizer));
            Optimizer.LoadStateDict(plan.Optimizer);
            var generators = Options.Generators.Select(g => g.GetState()).ToList();
            undo.Add(() =>
            {
                for (int i = 0; i < generators.Count; i++) Options.Generators[i].SetState(generators[i]);
            });
            for (int i = 0; i < Options.Generators.Count; i++) Options.Generators[i].SetState(plan.Document.Generators[i]);
            if (Options.GroupDro is { } groupDro)
            {
                var groups = groupDro.Snapshot();
                undo.Add(() => groupDro.Restore(groups));
                Guard(Path.Combine(dir, TrainerFileName), "group_weights", () => groupDro.LoadStateValues(plan.Document.GroupWeights!));
            }
        }
        catch (Exception e)
        {
            for (int i = undo.Count - 1; i >= 0; i--) undo[i]();
            if (e is InvalidDataException) throw;
            throw new InvalidDataException($"Loading the checkpoint in '{Path.GetDirectoryName(modelPath)}' failed and was undone: {e.Message}", e);
        }

        // What remains cannot fail: plain assignments of checked values.
        _history.Replace(plan.History);
        _globalStep = plan.Document.GlobalStep;
        _samplerUpdates.Clear();
        _samplerUpdates.AddRange(plan.Document.SamplerUpdates);
        _restoredLoader = plan.Document.LoaderGenerator;
        // With a task sampler the loader state is checked when the next Fit replays it; that error names this file.
        _restoredLoaderFile = Path.Combine(dir, TrainerFileName);
        _loader = null;
        // A scheduler callback rebuilt at the next OnTrainBegin rewrites the learning rates, so the optimizer's
        // numbers are applied again after it, together with the callbacks' own state.
        _pendingOptimizer = plan.Optimizer;
        _pendingCallbacks = plan.Callbacks;
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
                Guard(CallbacksFileName, $"callbacks[{i}] ({entry.Type})", () => Options.Callbacks[i].LoadStateDict(ToState(entry, tensors)));
            }
        }
        _pendingOptimizer = null;
        _pendingCallbacks = null;
    }

    private static CallbackState ToState(CheckpointCallback entry, Dictionary<string, Tensor> tensors)
    {
        var state = new CallbackState();
        foreach (var (k, v) in entry.Values) state.Values[k] = v;
        foreach (var (k, t) in tensors) state.Tensors[k] = t;
        return state;
    }

    private static CheckpointDocument ReadDocument(string path)
    {
        CheckpointDocument? document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonSerializer.Deserialize<CheckpointDocument>(stream, s_read);
        }
        catch (JsonException e)
        {
            string field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "the document" : e.Path.TrimStart('$', '.');
            throw Bad(path, field, $"it is not valid checkpoint JSON ({e.Message}).", e);
        }
        if (document is null) throw Bad(path, "the document", "it is JSON null.");
        // Nullable annotations cover properties, not the elements of lists; those are checked here.
        for (int i = 0; i < document.Tasks.Count; i++) Expect(path, $"tasks[{i}]", document.Tasks[i] is not null, "it is null.");
        for (int i = 0; i < document.Generators.Count; i++) Expect(path, $"generators[{i}]", document.Generators[i] is not null, "it is null.");
        for (int i = 0; i < document.SamplerUpdates.Count; i++) Expect(path, $"sampler_updates[{i}]", document.SamplerUpdates[i] is not null, "it is null.");
        for (int i = 0; i < document.Callbacks.Count; i++) Expect(path, $"callbacks[{i}]", document.Callbacks[i] is not null, "it is null.");
        for (int i = 0; i < document.History.Count; i++) Expect(path, $"history[{i}]", document.History[i] is not null, "it is null.");
        return document;
    }

    private static void CheckGenerator(string path, string field, GeneratorState state) =>
        Expect(path, field, (state.S0 | state.S1 | state.S2 | state.S3) != 0, "its state words are all zero, which no generator reaches; the file was altered.");

    private static OrderedDictionary<string, Tensor> ReadTensors(string directory, string file, string id)
    {
        string path = Path.Combine(directory, file);
        if (!File.Exists(path))
            throw new InvalidDataException($"The checkpoint in '{directory}' lacks {file}; it is incomplete or was altered.");
        SafeTensorsContent content;
        try
        {
            content = SafeTensors.LoadWithMetadata(path);
        }
        catch (InvalidDataException e)
        {
            // The reader names the file too; its message is kept without that preamble, under the checkpoint's own.
            string preamble = $"Cannot read safetensors file '{path}': ";
            throw Bad(path, "the file", e.Message.StartsWith(preamble, StringComparison.Ordinal) ? e.Message[preamble.Length..] : e.Message, e);
        }
        if (!content.Metadata.TryGetValue(CheckpointIdKey, out var fileId) || fileId != id)
            throw Bad(path, $"metadata '{CheckpointIdKey}'",
                $"it is {fileId ?? "missing"} but {TrainerFileName} has {id}: the file belongs to another save; the checkpoint's files were mixed.");
        return content.Tensors;
    }

    private static void Guard(string path, string field, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw Bad(path, field, e.Message, e);
        }
    }

    private static void Expect(string path, string field, bool condition, string problem)
    {
        if (!condition) throw Bad(path, field, problem);
    }

    // The field and the problem can quote names, ids and JSON paths from the file; a hostile file must not make a huge message.
    private static InvalidDataException Bad(string path, string field, string problem, Exception? inner = null) =>
        new($"Checkpoint file '{path}', {Shorten(field, 300)}: {Shorten(problem, 2000)}", inner);

    /// <summary>Keeps the start and the end of a long text (what is wrong, and the advice), with the length between.</summary>
    private static string Shorten(string text, int max) =>
        text.Length <= max ? text : $"{text.AsSpan(0, max * 2 / 3)}… ({text.Length} characters) …{text.AsSpan(text.Length - max / 3)}";

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

    private const string Rebuild = " Build the trainer as for the checkpointed run.";

    private sealed record LoadPlan(CheckpointDocument Document, Dictionary<string, Tensor> Weights, WeightingStateDict Weighting,
        WeightingStateDict Context, OptimizerStateDict Optimizer, List<(CheckpointCallback Entry, Dictionary<string, Tensor> Tensors)> Callbacks,
        List<EpochRecord> History);

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    internal sealed class CheckpointDocument
    {
        public required int Format { get; set; }

        public required string CheckpointId { get; set; }

        public required string Model { get; set; }

        public required List<string> Tasks { get; set; }

        public required int Epoch { get; set; }

        public required long GlobalStep { get; set; }

        public required ulong Seed { get; set; }

        public required int BatchSize { get; set; }

        public required string Optimizer { get; set; }

        public required Dictionary<string, double> OptimizerValues { get; set; }

        public required string Weighting { get; set; }

        public required Dictionary<string, double> WeightingValues { get; set; }

        public required Dictionary<string, double> WeightingContext { get; set; }

        public required GeneratorState LoaderGenerator { get; set; }

        public required List<GeneratorState> Generators { get; set; }

        public required List<Dictionary<string, double>> SamplerUpdates { get; set; }

        public Dictionary<string, double>? GroupWeights { get; set; }

        public required List<CheckpointCallback> Callbacks { get; set; }

        public required List<CheckpointEpoch> History { get; set; }
    }

    internal sealed class CheckpointCallback
    {
        public required string Type { get; set; }

        public required bool HasState { get; set; }

        public required Dictionary<string, double> Values { get; set; }
    }

    internal sealed class CheckpointEpoch
    {
        public required int Epoch { get; set; }

        public required Dictionary<string, double> Values { get; set; }
    }
}
