using System.Text.Json.Nodes;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Serialization;
using MultiTask.Engine.Tensors;
using MultiTask.Recipes;
using MultiTask.Tasks;
using MultiTask.Training;

namespace MultiTask.Saving;

/// <summary>
/// One file with everything needed to predict: the architecture, the weights, the schema, the tasks and their target
/// transforms, and the fitted encoder. <see cref="Save(string, MultiTaskModel, FeatureEncoder)"/> and
/// <see cref="TabularModel.Save"/> write it; <see cref="Load"/> reads it, in any process, as a <see cref="Predictor"/> that
/// takes raw rows and returns predictions in the user's units, with no trainer, optimizer or model-building code.
/// </summary>
/// <remarks>
/// <para><b>Format.</b> A zip archive. <c>manifest.json</c> holds <c>format</c> (<c>"multitask-model"</c>),
/// <c>format_version</c>, <c>library_version</c> (the MultiTask version that wrote it), <c>kind</c> (<c>"model"</c> or
/// <c>"tabular_model"</c>) and <c>entries</c>: every other entry with its size and SHA-256. <c>schema.json</c> and
/// <c>tasks.json</c> are the training data's schema and tasks; <c>model.json</c> lists the parts (one for a single
/// model), each with its tasks, its sharing, the pooled tasks of a pooled part, its encoder entry
/// (<c>parts/&lt;i&gt;/encoder.json</c>, <see cref="FeatureEncoder.Save"/>'s format) and its members: each member's module
/// tree (<see cref="ModuleSpecs"/>) and its state dict in safetensors (<c>parts/&lt;i&gt;/members/&lt;j&gt;.safetensors</c>,
/// the names of <see cref="Module.StateDict"/>).</para>
/// <para><b>Versions.</b> <see cref="FormatVersion"/> decides: a file of this or an older format version loads (an
/// older layout is converted when read), and a file of a newer one fails with a message naming both versions. The
/// library version is recorded, must be present, and is exposed as <see cref="Predictor.LibraryVersion"/>; a file from
/// another library version loads when its format version is readable, since the format, not the release, is the contract.</para>
/// <para><b>Untrusted files.</b> Every size and count is checked before anything of that size is allocated (each entry
/// against the manifest and a limit, each module's weights against the weights the file holds), every entry's hash
/// is checked, and every tensor name and shape of the rebuilt model must match the file. Any problem is an
/// <see cref="InvalidDataException"/> naming the file, the entry and the field.</para>
/// <para>Not saved: a task's <see cref="TaskSpec.Loss"/> and <see cref="TaskSpec.Metrics"/> (code, not needed to
/// predict; a loaded task has its kind's defaults), optimizer and trainer state (use checkpoints to resume training),
/// and a tabular model's <see cref="TabularModel.Selection"/> scores and recipe options.</para>
/// </remarks>
public static class ModelFile
{
    /// <summary>The format version this library writes, and the newest it reads.</summary>
    public const int FormatVersion = 1;

    internal const string ModelKind = "model";
    internal const string TabularModelKind = "tabular_model";
    private const string SchemaEntry = "schema.json";
    private const string TasksEntry = "tasks.json";
    private const string ModelEntry = "model.json";

    /// <summary>
    /// Writes <paramref name="model"/> and the <paramref name="encoder"/> fitted for it to <paramref name="path"/>, atomically
    /// (a temporary file renamed over the path, so an existing file is never left half-written).
    /// </summary>
    /// <param name="path">The file to write, e.g. <c>prices.mtmodel</c>.</param>
    /// <param name="model">The trained model; its weights are written as they are now.</param>
    /// <param name="encoder">The encoder whose encoded data the model was trained on.</param>
    /// <exception cref="ArgumentException">
    /// The model does not fit the encoder (a task it lacks, another input width or output size), or holds a module type
    /// that is not registered (<see cref="ModuleSpecs.Register{T}"/>); the message names the module's path and type.
    /// </exception>
    public static void Save(string path, MultiTaskModel model, FeatureEncoder encoder)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(encoder);
        TaskBinding.Bind(model, encoder.Tasks, encoder.Width, encoder.ColumnNames, "encoder's", requireLoss: false);
        Write(path, ModelKind, encoder.Schema, encoder.Tasks, model.TaskNames,
            [new PartToSave(null, model.TaskNames, encoder, null, [model])]);
    }

    /// <summary>Writes a tabular model (see <see cref="TabularModel.Save"/>).</summary>
    internal static void Save(string path, TabularModel model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var parts = model.Parts.Select(p =>
        {
            if (p.Pooled is null && !(p.Encoder.Schema.SameAs(model.Schema) && MultiTaskDataset.SameTasks(p.Encoder.Tasks, model.Tasks)))
                throw new InvalidOperationException($"The encoder of the part predicting {string.Join(", ", p.Tasks)} was not fitted on the model's schema and tasks.");
            return new PartToSave(p.Sharing, p.Tasks, p.Encoder, p.Pooled?.Tasks, [.. p.Ensemble.Members.Select(m => m.Model)]);
        }).ToList();
        Write(path, TabularModelKind, model.Schema, model.Tasks, model.TaskNames, parts);
    }

    private sealed record PartToSave(TaskSharing? Sharing, IReadOnlyList<string> Tasks, FeatureEncoder Encoder, IReadOnlyList<string>? Pooled,
        IReadOnlyList<MultiTaskModel> Members);

    private static void Write(string path, string kind, FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, IReadOnlyList<string> taskNames,
        IReadOnlyList<PartToSave> parts)
    {
        var entries = new List<KeyValuePair<string, byte[]>>
        {
            new(SchemaEntry, ModelArchive.Json(DataJson.WriteSchema(schema))),
            new(TasksEntry, ModelArchive.Json(DataJson.WriteTasks(tasks))),
        };
        var partNodes = new JsonArray();
        for (int p = 0; p < parts.Count; p++)
        {
            var part = parts[p];
            string encoderEntry = $"parts/{p}/encoder.json";
            entries.Add(new(encoderEntry, System.Text.Encoding.UTF8.GetBytes(part.Encoder.ToJson())));
            var members = new JsonArray();
            for (int m = 0; m < part.Members.Count; m++)
            {
                var model = part.Members[m];
                string weightsEntry = $"parts/{p}/members/{m}.safetensors";
                var spec = ModuleSpecs.Write(model, "", new Dictionary<Module, string>(ReferenceEqualityComparer.Instance));
                entries.Add(new(weightsEntry, SafeTensors.Serialize(model.StateDict())));
                members.Add(new JsonObject { ["module"] = spec, ["weights"] = weightsEntry });
            }
            partNodes.Add(new JsonObject
            {
                ["sharing"] = part.Sharing?.ToString(),
                ["tasks"] = Strings(part.Tasks),
                ["pooled_tasks"] = part.Pooled is { } pooled ? Strings(pooled) : null,
                ["encoder"] = encoderEntry,
                ["members"] = members,
            });
        }
        entries.Insert(2, new(ModelEntry, ModelArchive.Json(new JsonObject { ["task_names"] = Strings(taskNames), ["parts"] = partNodes })));
        ModelArchive.Write(path, kind, entries);
    }

    private static JsonArray Strings(IEnumerable<string> values) => [.. values.Select(v => JsonValue.Create(v))];

    /// <summary>
    /// Reads a file written by <see cref="Save(string, MultiTaskModel, FeatureEncoder)"/> or <see cref="TabularModel.Save"/>:
    /// rebuilds every model from its module description (user module types must be registered first, see
    /// <see cref="ModuleSpecs"/>), checks and loads its weights, and puts it in evaluation mode.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <returns>A predictor whose predictions equal those of the saved model bit for bit.</returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a model file, has a newer format version, or is damaged or altered (a missing, extra, resized or
    /// changed entry, a bad field, an unregistered module type, a tensor whose name or shape does not match the model);
    /// the message names the entry and the field.
    /// </exception>
    public static Predictor Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var archive = ModelArchive.Open(path, stream);
        // The manifest lists its entries, so this field stands for "the file" when a top-level entry is missing.
        var root = new JsonField($"Model file '{path}', entry '{ModelArchive.ManifestName}'", "entries", null);
        var schema = DataJson.ReadSchema(archive.ReadJson(root, SchemaEntry));
        var tasks = DataJson.ReadTasks(archive.ReadJson(root, TasksEntry), schema);
        var model = archive.ReadJson(root, ModelEntry);

        string[] taskNames = model["task_names"].StringArray();
        if (taskNames.Length == 0 || taskNames.Distinct(StringComparer.Ordinal).Count() != taskNames.Length)
            throw model["task_names"].Bad("it must list the model's tasks, each once.");
        foreach (var name in taskNames)
        {
            if (!tasks.Any(t => t.Name == name))
                throw model["task_names"].Bad($"task '{Table.Excerpt(name)}' is not one of the tasks in '{TasksEntry}'.");
        }
        var parts = new List<Predictor.Part>();
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var partField in model["parts"].Items())
            parts.Add(ReadPart(archive, partField, schema, tasks, taskNames, covered, archive.Kind == TabularModelKind));
        if (parts.Count == 0 || covered.Count != taskNames.Length || (archive.Kind == ModelKind && parts.Count != 1))
            throw model["parts"].Bad($"the parts must predict every task of task_names once{(archive.Kind == ModelKind ? ", in one part" : "")}.");
        return new Predictor(schema, tasks, taskNames, parts, archive.FormatVersion, archive.LibraryVersion);
    }

    /// <summary>
    /// Reads a file written by <see cref="Save(string, MultiTaskModel, FeatureEncoder)"/> back as the model itself and its
    /// encoder, to train further (e.g. to add tasks: <see cref="Transfer.TransferLearning"/>). The file is checked exactly as
    /// <see cref="Load"/> checks it.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <returns>
    /// A new model with the saved weights, in training mode with every parameter trainable, and the fitted encoder. Each call
    /// builds its own copy, so training one leaves the file and any other copy untouched.
    /// </returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">As <see cref="Load"/>; also a tabular model (several parts or ensemble members), which is not one model.</exception>
    public static SavedModel LoadModel(string path)
    {
        var predictor = Load(path);
        if (predictor.Parts is not [{ Pooled: null, Members: [var model] } part])
            throw new InvalidDataException(
                $"Model file '{path}' holds a tabular model ({predictor.Parts.Count} part(s), {predictor.Parts.Sum(p => p.Members.Count)} member(s)), not one model; " +
                "LoadModel reads files written by ModelFile.Save(path, model, encoder). Use ModelFile.Load to predict with it.");
        // Load prepared the model for prediction only; this copy is for training.
        model.Train();
        model.RequireGrad(true);
        return new SavedModel(model, part.Encoder);
    }

    private static Predictor.Part ReadPart(ModelArchive archive, JsonField field, FeatureSchema schema, TaskSpec[] tasks, string[] taskNames,
        HashSet<string> covered, bool tabular)
    {
        TaskSharing? sharing = field["sharing"].IsNull ? null : field["sharing"].Enum<TaskSharing>();
        if (tabular != sharing.HasValue)
            throw field["sharing"].Bad(tabular ? "a tabular model's part must say how it shares (MultiTask, SingleTask or Pooled)." : "a single model has no sharing; it must be null.");
        string[] partTasks = field["tasks"].StringArray();
        foreach (var task in partTasks)
        {
            if (!taskNames.Contains(task))
                throw field["tasks"].Bad($"task '{Table.Excerpt(task)}' is not in task_names.");
            if (!covered.Add(task))
                throw field["tasks"].Bad($"task '{Table.Excerpt(task)}' is predicted by two parts.");
        }
        if (partTasks.Length == 0) throw field["tasks"].Bad("a part predicts at least one task.");

        PooledTasks? pooled = null;
        if (!field["pooled_tasks"].IsNull)
        {
            if (sharing != TaskSharing.Pooled) throw field["pooled_tasks"].Bad("only a Pooled part pools tasks.");
            try
            {
                pooled = PooledTasks.Create(schema, tasks, field["pooled_tasks"].StringArray());
            }
            catch (Exception e) when (e is ArgumentException or KeyNotFoundException)
            {
                throw field["pooled_tasks"].Bad(e.Message, e);
            }
            if (partTasks.Any(t => !pooled.Tasks.Contains(t)))
                throw field["tasks"].Bad("a pooled part predicts only tasks it pools.");
        }
        else if (sharing == TaskSharing.Pooled)
        {
            throw field["pooled_tasks"].Bad("a Pooled part must list the tasks it pools.");
        }

        string encoderEntry = field["encoder"].String();
        string encoderJson = System.Text.Encoding.UTF8.GetString(archive.Read(field["encoder"], encoderEntry, ModelArchive.MaxJsonBytes));
        FeatureEncoder encoder;
        try
        {
            encoder = pooled is null
                ? FeatureEncoder.FromJson(encoderJson, archive.Describe(encoderEntry), schema, tasks)
                : FeatureEncoder.FromJson(encoderJson, archive.Describe(encoderEntry), pooled.Schema, [pooled.Spec]);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"{archive.Describe(encoderEntry)}: {Table.Excerpt(e.Message, 2000)}", e);
        }

        var members = new List<MultiTaskModel>();
        var bindings = new List<TaskBinding[]>();
        string[] needed = pooled is null ? partTasks : [pooled.Name];
        foreach (var memberField in field["members"].Items())
        {
            var member = ReadMember(archive, memberField);
            try
            {
                bindings.Add(TaskBinding.Bind(member, encoder.Tasks, encoder.Width, encoder.ColumnNames, "encoder's", requireLoss: false));
            }
            catch (ArgumentException e)
            {
                throw memberField["module"].Bad($"the model does not fit the part's encoder: {e.Message}", e);
            }
            if (needed.FirstOrDefault(t => !member.TaskNames.Contains(t)) is { } missing)
                throw memberField["module"].Bad($"the model does not predict task '{missing}' of its part.");
            if (members.Count > 0 && !member.TaskNames.SequenceEqual(members[0].TaskNames, StringComparer.Ordinal))
                throw memberField["module"].Bad("the members of a part must predict the same tasks.");
            members.Add(member);
        }
        if (members.Count == 0) throw field["members"].Bad("a part has at least one member.");
        return new Predictor.Part(partTasks, encoder, pooled, [.. members], [.. bindings]);
    }

    private static MultiTaskModel ReadMember(ModelArchive archive, JsonField field)
    {
        string weightsEntry = field["weights"].String();
        string source = archive.Describe(weightsEntry);
        OrderedDictionary<string, Tensor> weights;
        try
        {
            weights = SafeTensors.Load(new MemoryStream(archive.Read(field["weights"], weightsEntry, ModelArchive.MaxWeightsBytes), writable: false));
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source}: {Table.Excerpt(e.Message, 2000)}", e);
        }
        var budget = new ModuleSpecArgs.Budget(weights.Values.Sum(t => (long)t.Numel));
        var module = ModuleSpecs.Read(field["module"], "", budget, new Generator(0));
        var model = module as MultiTaskModel
            ?? throw field["module"].Bad($"the saved module is a {module.GetType().Name}, not a multi-task model.");

        var own = model.StateDict();
        foreach (var (name, tensor) in own)
        {
            if (!weights.TryGetValue(name, out var saved))
                throw new InvalidDataException($"{source}: it lacks tensor '{name}' of shape [{string.Join(", ", tensor.Shape)}], which the model described in {ModelEntry} at '{field.Path}' has.");
            if (!saved.Shape.SequenceEqual(tensor.Shape))
                throw new InvalidDataException($"{source}, tensor '{name}': it has shape [{string.Join(", ", saved.Shape)}], but the model described in {ModelEntry} at '{field.Path}' has [{string.Join(", ", tensor.Shape)}].");
        }
        foreach (var name in weights.Keys)
        {
            if (!own.ContainsKey(name))
                throw new InvalidDataException($"{source}, tensor '{Table.Excerpt(name, 200)}': the model described in {ModelEntry} at '{field.Path}' has no such parameter or buffer.");
        }
        model.LoadStateDict(weights);
        // Evaluation mode once, for good: prediction never switches it, and nothing records gradients.
        model.Eval();
        model.RequireGrad(false);
        return model;
    }
}
