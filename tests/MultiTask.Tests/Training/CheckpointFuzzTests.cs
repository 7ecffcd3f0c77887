using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Serialization;
using MultiTask.Engine.Tensors;
using MultiTask.Testing;
using MultiTask.Training;
using MultiTask.Weighting;
using Xunit.Abstractions;

namespace MultiTask.Tests.Training;

/// <summary>
/// A checkpoint trained with every kind of state (AdamW moments, learned uncertainty weights, task sampler
/// updates, early stopping's best weights, a scheduler, an extra random stream), and a second one to give
/// the trainers it is loaded into state of their own. Built once for all the fuzz cases.
/// </summary>
public sealed class CheckpointFuzzFixture : IDisposable
{
    /// <summary>Epochs in the fuzzed checkpoint.</summary>
    public const int Epochs = 3;

    public CheckpointFuzzFixture()
    {
        (Train, Validation) = TrainingData.Encoded(trainRows: 64, validationRows: 24);
        Source = Path.Combine(Root, "source");
        var trainer = new MultiTaskTrainer(TrainingData.Model(Train.Width, seed: 1), Options(Epochs));
        trainer.Fit(Train, Validation);
        trainer.SaveCheckpoint(Source);
        FixCheckpointId(Source);
        Own = Path.Combine(Root, "own");
        var other = new MultiTaskTrainer(TrainingData.Model(Train.Width, seed: 7), Options(1));
        other.Fit(Train, Validation);
        other.SaveCheckpoint(Own);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "multitask-checkpoint-fuzz-" + Guid.NewGuid().ToString("N"));

    public EncodedData Train { get; }

    public EncodedData Validation { get; }

    /// <summary>The checkpoint whose files are mutated.</summary>
    public string Source { get; }

    /// <summary>An unrelated one-epoch checkpoint of the same configuration.</summary>
    public string Own { get; }

    /// <summary>
    /// Replaces the checkpoint id, which <see cref="MultiTaskTrainer.SaveCheckpoint"/> draws anew each time, by a fixed one, so that the
    /// fuzzed bytes, and so input i of the seed, are the same in every run.
    /// </summary>
    private static void FixCheckpointId(string directory)
    {
        const string id = "0123456789abcdef0123456789abcdef";
        string json = Path.Combine(directory, MultiTaskTrainer.TrainerFileName);
        string text = File.ReadAllText(json);
        File.WriteAllText(json, text.Replace(JsonNode.Parse(text)!["checkpoint_id"]!.GetValue<string>(), id, StringComparison.Ordinal));
        foreach (var file in new[] { MultiTaskTrainer.ModelFileName, MultiTaskTrainer.OptimizerFileName, MultiTaskTrainer.CallbacksFileName })
        {
            string path = Path.Combine(directory, file);
            var content = SafeTensors.LoadWithMetadata(path);
            SafeTensors.Save(content.Tensors, path, new Dictionary<string, string> { ["checkpoint_id"] = id });
        }
    }

    /// <summary>The configuration; each call builds new instances, since a weighting strategy belongs to one trainer.</summary>
    public static TrainerOptions Options(int epochs) => new()
    {
        Epochs = epochs, BatchSize = 16, Seed = 3,
        Optimizer = new AdamWOptions { LearningRate = 1e-2, WeightDecay = 1e-2 },
        Weighting = new UncertaintyWeighting(),
        Sampler = TaskSampler.Dynamic(0.5),
        Generators = [new Generator(17)],
        Callbacks =
        [
            new EarlyStopping("val_loss", patience: 50, restoreBestWeights: true),
            new LearningRateScheduler(o => new StepLR(o, stepSize: 1, gamma: 0.9)),
        ],
    };

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}

/// <summary>
/// Mutated checkpoint files, one file at a time, through <see cref="MultiTaskTrainer.LoadCheckpoint"/>: each loads, or is
/// rejected with an <see cref="InvalidDataException"/> whose message starts with <c>Checkpoint file '&lt;path&gt;',</c> and names
/// the mutated file, and leaves the trainer exactly as it was (weights, optimizer, weighting, context, history, random streams,
/// callbacks). A loaded checkpoint trains one more epoch to finite losses or stops with <see cref="TrainingDivergedException"/>.
/// Half the inputs go to a brand-new trainer, half to one holding state from another checkpoint. Set MULTITASK_FUZZ_SECONDS for a long run.
/// </summary>
public sealed class CheckpointFuzzTests(CheckpointFuzzFixture fixture, ITestOutputHelper output) : IClassFixture<CheckpointFuzzFixture>
{
    private static readonly string[] JsonTokens =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "2", "3", "0.5", "1e308", "-1e308", "1e309", "5e-324", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"",
        "[]", "{}", "[null]", "2147483647", "-2147483648", "9223372036854775807", "18446744073709551615", "99999999999999999999", "\"\"",
        "\"a\"", "\"b\"", "\"c\"", "\"x\"", "\"step\"", "\"recorded_epochs\"", "\"epoch\"", "\"best\"", "\"best_epoch\"", "\"wait\"", "\"last_epoch\"",
        "\"state.0.step\"", "\"param_groups.0.lr\"", "\"EarlyStopping\"", "\"Adam\"", "\"AdamW\"", "\"EqualWeighting\"", "{\"a\":1}", ",", ":", "\"", "\\ud800",
    ];

    /// <summary>Whole JSON values for the structural edits.</summary>
    private static readonly string[] ValueTokens =
    [
        "null", "true", "0", "-0", "1", "-1", "2", "3", "0.5", "1e308", "-1e308", "1e309", "5e-324", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "[]", "{}",
        "[null]", "2147483647", "-2147483648", "9223372036854775807", "18446744073709551615", "\"\"", "\"a\"", "\"c\"", "{\"a\":1}", "[0,0]",
    ];

    private static readonly float[] InterestingFloats =
        [float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, 1e30f, -1f, 0f, -0f, float.Epsilon, 1e-30f];

    private static readonly string[] SafeTensorsTokens =
    [
        "\"F32\"", "\"F16\"", "\"F64\"", "\"I64\"", "\"BOOL\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"checkpoint_id\"",
        "[]", "[0]", "[1]", "[2]", "[16]", "[0,0]", "[1,16]", "[2147483647]", "[-1]", "0", "-0", "18446744073709551615", "null", "{}", ",", ":", "\"",
        "\"0.\"", "\"1.\"", "\"weighting.\"", "\"state.0.exp_avg\"", "\".weight\"", "\".bias\"", "\"log_variances\"", "\\u0000",
    ];

    private int _inputs;
    private int _trained;
    private int _diverged;
    private int _replayRejected;
    private readonly Dictionary<string, int> _fields = new(StringComparer.Ordinal);

    /// <summary>Tallies a rejection under its file and field (indices, keys and parentheses left out), to show which checks the inputs reach.</summary>
    private bool Count(string message)
    {
        int quote = message.IndexOf("', ", StringComparison.Ordinal), colon = message.IndexOf(": ", StringComparison.Ordinal);
        string key = quote < 0 || colon < quote ? message : message[..quote] + " " + message[(quote + 3)..colon];
        key = System.Text.RegularExpressions.Regex.Replace(key, @"\[[^\]]*\]|'[^']*'|\s*\(.*$", "");
        _fields[key] = _fields.GetValueOrDefault(key) + 1;
        return true;
    }

    [Fact]
    public void The_fuzzed_checkpoint_holds_exactly_the_files_fuzzed_below_and_every_kind_of_state()
    {
        Directory.GetFiles(fixture.Source).Select(Path.GetFileName).Should().BeEquivalentTo(
            [MultiTaskTrainer.ModelFileName, MultiTaskTrainer.OptimizerFileName, MultiTaskTrainer.CallbacksFileName, MultiTaskTrainer.TrainerFileName],
            "each file of a checkpoint has a fuzz case in Mutated_checkpoint_files_load_or_are_rejected_without_changing_the_trainer");
        var callbacks = SafeTensors.Load(Path.Combine(fixture.Source, MultiTaskTrainer.CallbacksFileName));
        callbacks.Keys.Should().Contain(k => k.StartsWith("0.", StringComparison.Ordinal), "early stopping kept best weights");
        var model = SafeTensors.Load(Path.Combine(fixture.Source, MultiTaskTrainer.ModelFileName));
        model.Keys.Should().Contain("weighting.log_variances");
        string json = File.ReadAllText(Path.Combine(fixture.Source, MultiTaskTrainer.TrainerFileName));
        json.Should().Contain("\"sampler_updates\": [").And.Contain("\"state.0.step\"").And.Contain("\"last_epoch\"");
    }

    [Theory]
    [InlineData(MultiTaskTrainer.TrainerFileName, 1500)]
    [InlineData(MultiTaskTrainer.ModelFileName, 1500)]
    [InlineData(MultiTaskTrainer.OptimizerFileName, 1500)]
    [InlineData(MultiTaskTrainer.CallbacksFileName, 1500)]
    public void Mutated_checkpoint_files_load_or_are_rejected_without_changing_the_trainer(string file, int inputs)
    {
        string dir = Path.Combine(fixture.Root, "fuzz-" + Path.GetFileNameWithoutExtension(file));
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(fixture.Source)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        string path = Path.Combine(dir, file);
        byte[][] corpus = [File.ReadAllBytes(path)];
        bool json = file.EndsWith(".json", StringComparison.Ordinal);
        string prefix = $"Checkpoint file '{dir}{Path.DirectorySeparatorChar}";

        // The intact files load and resume.
        Load(dir, path, corpus[0]);
        _trained.Should().Be(1);

        var report = Fuzzer.Run($"checkpoint {file}", seed: 20261201, inputs,
            random => json ? MutateJson(random, corpus[0]) : MutateSafeTensors(random, corpus[0]),
            input => Load(dir, path, input),
            e => e.GetType() == typeof(InvalidDataException) && e.Message.StartsWith(prefix, StringComparison.Ordinal)
                && e.Message.Contains(file, StringComparison.Ordinal) && Count(e.Message[prefix.Length..]));
        output.WriteLine(report.ToString());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"of the accepted: {_trained - 1} trained one more epoch to finite losses, {_diverged} stopped with TrainingDivergedException; " +
            $"{_replayRejected} of the rejected were refused by Fit when it replayed the loader"));
        output.WriteLine("rejections by file and field: " + string.Join(", ", _fields.OrderByDescending(kv => kv.Value).Take(15).Select(kv => $"{kv.Key} {kv.Value}")));
        report.Failures.Should().BeEmpty(report.ToString());
        report.Accepted.Should().BeGreaterThan(report.Tried / 50, "the mutations must keep some checkpoints loadable");
        report.Rejected.Should().BeGreaterThan(report.Tried / 4);
    }

    /// <summary>
    /// Half the inputs are byte-level mutations; the other half edit the parsed document (replace a value by a token, nudge a
    /// number by one, drop or duplicate an entry), so that most of them parse and reach the checks that relate the parts.
    /// </summary>
    private static byte[] MutateJson(Random random, byte[] file)
    {
        if (random.Next(2) == 0) return Fuzzer.Mutate(random, [file], JsonTokens);
        var root = JsonNode.Parse(file)!;
        var nodes = new List<JsonNode>();
        void Walk(JsonNode? node)
        {
            if (node is null) return;
            nodes.Add(node);
            if (node is JsonObject o) foreach (var (_, v) in o) Walk(v);
            else if (node is JsonArray a) foreach (var v in a) Walk(v);
        }
        Walk(root);
        int edits = random.Next(4) == 0 ? 2 + random.Next(3) : 1;
        for (int e = 0; e < edits; e++)
        {
            var node = nodes[1 + random.Next(nodes.Count - 1)];
            if (node.Parent is not { } parent) continue;
            switch (random.Next(5))
            {
                case 0 or 1:
                    Set(parent, node, JsonNode.Parse(ValueTokens[random.Next(ValueTokens.Length)]));
                    break;
                case 2 when node is JsonValue value && value.TryGetValue(out double number):
                    double[] nudged = [number + 1, number - 1, -number, number * 2, number + 0.5];
                    Set(parent, node, JsonValue.Create(nudged[random.Next(nudged.Length)]));
                    break;
                case 3:
                    if (parent is JsonObject o) o.Remove(node.GetPropertyName());
                    else ((JsonArray)parent).RemoveAt(node.GetElementIndex());
                    break;
                case 4:
                    if (parent is JsonArray a) a.Insert(random.Next(a.Count + 1), node.DeepClone());
                    else ((JsonObject)parent)[node.GetPropertyName() + (random.Next(2) == 0 ? "x" : ".1")] = node.DeepClone();
                    break;
            }
        }
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static void Set(JsonNode parent, JsonNode node, JsonNode? value)
    {
        if (parent is JsonObject o) o[node.GetPropertyName()] = value;
        else ((JsonArray)parent)[node.GetElementIndex()] = value;
    }

    /// <summary>
    /// A quarter of the inputs mutate the whole file and a quarter only its JSON header (the length prefix kept right); a quarter
    /// edit the header's structure so that it still reads (rename, reshape to the same size, swap two tensors of one shape,
    /// change the checkpoint id), reaching the checks of names and shapes; a quarter edit only the data, writing NaN,
    /// infinities, extremes, negative or tiny values into weights and moments, which the reader accepts and training meets.
    /// </summary>
    private static byte[] MutateSafeTensors(Random random, byte[] file)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        byte[] header = file.AsSpan(8, headerLength).ToArray();
        byte[] data = file.AsSpan(8 + headerLength).ToArray();
        switch (random.Next(4))
        {
            case 0:
                return Fuzzer.Mutate(random, [file], SafeTensorsTokens);
            case 1:
                header = Fuzzer.Mutate(random, [header], SafeTensorsTokens);
                break;
            case 2:
                header = EditHeader(random, header);
                break;
            default:
                for (int edits = 1 + random.Next(3); edits > 0 && data.Length >= 4; edits--)
                {
                    var at = data.AsSpan(4 * random.Next(data.Length / 4), 4);
                    float old = BinaryPrimitives.ReadSingleLittleEndian(at);
                    float[] values = [.. InterestingFloats, -old, old * 1e4f, old + 1];
                    BinaryPrimitives.WriteSingleLittleEndian(at, values[random.Next(values.Length)]);
                }
                break;
        }
        var result = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)header.Length);
        header.CopyTo(result, 8);
        data.CopyTo(result, 8 + header.Length);
        return result;
    }

    private static byte[] EditHeader(Random random, byte[] header)
    {
        var root = JsonNode.Parse(header)!.AsObject();
        var names = root.Select(kv => kv.Key).Where(k => k != "__metadata__").ToList();
        if (names.Count == 0) return header;
        string name = names[random.Next(names.Count)];
        var entry = root[name]!.AsObject();
        int[] shape = [.. entry["shape"]!.AsArray().Select(d => (int)d!)];
        int numel = shape.Aggregate(1, (a, b) => a * b);
        switch (random.Next(5))
        {
            case 0:
                string[] renamed = [name + "x", name.Replace("exp_avg", "exp_avg_sq", StringComparison.Ordinal), name.Replace("weight", "bias", StringComparison.Ordinal),
                    "1." + name, name[..(name.LastIndexOf('.') + 1)], names[random.Next(names.Count)] + ".0"];
                string target = renamed[random.Next(renamed.Length)];
                if (root.ContainsKey(target)) break;
                root.Remove(name);
                root[target] = entry;
                break;
            case 1:
                int[][] reshaped = [[numel], [numel, 1], [1, numel], [.. shape.Reverse()], [], [.. shape, 1]];
                int[] newShape = reshaped[random.Next(reshaped.Length)];
                if (newShape.Aggregate(1, (a, b) => a * b) == numel) entry["shape"] = new JsonArray([.. newShape.Select(d => (JsonNode)d)]);
                break;
            case 2:
                var same = names.Where(n => n != name && root[n]!["shape"]!.ToJsonString() == entry["shape"]!.ToJsonString()).ToList();
                if (same.Count == 0) break;
                var other = root[same[random.Next(same.Count)]]!.AsObject();
                (entry["data_offsets"], other["data_offsets"]) = (other["data_offsets"]!.DeepClone(), entry["data_offsets"]!.DeepClone());
                break;
            case 3:
                root["__metadata__"] = new JsonObject { ["checkpoint_id"] = string.Concat(Enumerable.Range(0, random.Next(2) * 32).Select(_ => "0123456789abcdef"[random.Next(16)])) };
                break;
            default:
                root.Remove("__metadata__");
                break;
        }
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private void Load(string dir, string path, byte[] input)
    {
        File.WriteAllBytes(path, input);
        var trainer = new MultiTaskTrainer(TrainingData.Model(fixture.Train.Width, seed: 42), CheckpointFuzzFixture.Options(CheckpointFuzzFixture.Epochs + 1));
        if (_inputs++ % 2 == 1) trainer.LoadCheckpoint(fixture.Own);
        string before = Snapshot(trainer);
        try
        {
            trainer.LoadCheckpoint(dir);
        }
        catch (InvalidDataException)
        {
            if (Snapshot(trainer) != before) throw new FuzzInvariantException("a rejected checkpoint changed the trainer");
            throw;
        }
        if (trainer.EpochsCompleted != CheckpointFuzzFixture.Epochs)
            throw new FuzzInvariantException($"a loaded checkpoint has {trainer.EpochsCompleted} epochs, the file was written after {CheckpointFuzzFixture.Epochs}");
        TrainingReport report;
        try
        {
            report = trainer.Fit(fixture.Train, fixture.Validation);
        }
        catch (TrainingDivergedException)
        {
            _diverged++;
            return;
        }
        catch (InvalidDataException)
        {
            _replayRejected++;
            throw;
        }
        if (report.History.Count != CheckpointFuzzFixture.Epochs + 1)
            throw new FuzzInvariantException($"the resumed run has {report.History.Count} epochs, expected {CheckpointFuzzFixture.Epochs + 1}");
        if (report.History[^1].Values.Where(kv => kv.Key.StartsWith("loss", StringComparison.Ordinal)).FirstOrDefault(kv => !double.IsFinite(kv.Value)) is { Key: not null } bad)
            throw new FuzzInvariantException($"the resumed epoch recorded {bad.Key} = {bad.Value} without TrainingDivergedException");
        _trained++;
    }

    /// <summary>Everything LoadCheckpoint may change, bit for bit.</summary>
    private static string Snapshot(MultiTaskTrainer trainer)
    {
        var text = new StringBuilder();
        void Tensors(string part, IEnumerable<KeyValuePair<string, Tensor>> tensors)
        {
            foreach (var (k, t) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                text.Append(part).Append(' ').Append(k).Append(" [").AppendJoin(',', t.Shape).Append("] ")
                    .AppendJoin(',', t.ToArray().Select(BitConverter.SingleToInt32Bits)).AppendLine();
        }
        void Values(string part, IEnumerable<KeyValuePair<string, double>> values)
        {
            foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                text.Append(part).Append(' ').Append(k).Append('=').Append(BitConverter.DoubleToInt64Bits(v)).AppendLine();
        }
        Tensors("model", trainer.Model.StateDict());
        var optimizer = trainer.Optimizer.StateDict();
        Tensors("optimizer", optimizer.Tensors);
        Values("optimizer", optimizer.Values);
        var weighting = trainer.Options.Weighting.StateDict();
        Tensors("weighting", weighting.Tensors);
        Values("weighting", weighting.Values);
        Values("context", trainer.WeightingContext.StateDict().Values);
        foreach (var record in trainer.History.Records) Values($"history {record.Epoch}", record.Values);
        foreach (var g in trainer.Options.Generators) text.AppendLine(g.GetState().ToString());
        for (int i = 0; i < trainer.Options.Callbacks.Count; i++)
        {
            if (trainer.Options.Callbacks[i].StateDict() is not { } state) continue;
            Tensors($"callback {i}", state.Tensors);
            Values($"callback {i}", state.Values);
        }
        return text.ToString();
    }
}
