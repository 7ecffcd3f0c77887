using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Serialization;
using MultiTask.Engine.Tensors;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Training;

/// <summary>
/// Damaged, altered and inconsistent checkpoints: each is rejected by <see cref="MultiTaskTrainer.LoadCheckpoint"/> with an
/// <see cref="InvalidDataException"/> naming the file and the field, and the trainer it was loaded into is left exactly as it was.
/// </summary>
public sealed class CheckpointValidationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "multitask-checkpoint-validation-" + Guid.NewGuid().ToString("N"));
    private readonly EncodedData _train;
    private readonly EncodedData _validation;
    private readonly string _checkpoint;

    public CheckpointValidationTests()
    {
        (_train, _validation) = TrainingData.Encoded(trainRows: 96, validationRows: 32);
        _checkpoint = Path.Combine(_root, "source");
        // Two epochs with every kind of state: Adam moments, learned weighting, sampler updates, early stopping's best weights.
        new MultiTaskTrainer(TrainingData.Model(_train.Width, seed: 1), Options(2, _checkpoint)).Fit(_train, _validation);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private TrainerOptions Options(int epochs, string checkpoint) => new()
    {
        Epochs = epochs, BatchSize = 16, Seed = 3,
        Optimizer = new AdamOptions { LearningRate = 1e-2 },
        Weighting = new UncertaintyWeighting(),
        Sampler = TaskSampler.Dynamic(0.5),
        Callbacks = [new EarlyStopping("val_loss", patience: 50), new ModelCheckpoint(checkpoint)],
    };

    /// <summary>A trainer that has trained one epoch of its own, so "unchanged" means something.</summary>
    private MultiTaskTrainer Victim()
    {
        var trainer = new MultiTaskTrainer(TrainingData.Model(_train.Width, seed: 42), Options(1, Path.Combine(_root, "victim")));
        trainer.Fit(_train, _validation);
        return trainer;
    }

    /// <summary>Everything LoadCheckpoint may change, as plain values.</summary>
    private static string Fingerprint(MultiTaskTrainer t)
    {
        var optimizer = t.Optimizer.StateDict();
        var parts = new List<string>();
        parts.AddRange(TrainingData.Weights(t.Model).Select(w => string.Join(",", w.Select(BitConverter.SingleToInt32Bits))));
        parts.AddRange(optimizer.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value:R}"));
        parts.AddRange(optimizer.Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={string.Join(",", kv.Value.ToArray())}"));
        var weighting = t.Options.Weighting.StateDict();
        parts.AddRange(weighting.Tensors.Select(kv => $"{kv.Key}={string.Join(",", kv.Value.ToArray())}"));
        parts.AddRange(t.WeightingContext.StateDict().Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value:R}"));
        parts.Add($"epochs={t.EpochsCompleted}");
        parts.AddRange(t.History.Records.Select(r => r.ToString()));
        return string.Join("\n", parts);
    }

    private string Copy()
    {
        string dir = Path.Combine(_root, "copy-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(_checkpoint)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }

    private static void EditJson(string dir, Action<JsonObject> edit)
    {
        string path = Path.Combine(dir, MultiTaskTrainer.TrainerFileName);
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
    }

    private static void EditTensors(string dir, string file, Action<OrderedDictionary<string, Tensor>> edit)
    {
        string path = Path.Combine(dir, file);
        var content = SafeTensors.LoadWithMetadata(path);
        var tensors = new OrderedDictionary<string, Tensor>(content.Tensors, StringComparer.Ordinal);
        edit(tensors);
        SafeTensors.Save(tensors, path, content.Metadata);
    }

    /// <summary>Loads <paramref name="dir"/> into a trained trainer: it must fail naming <paramref name="file"/> and <paramref name="field"/>, and change nothing.</summary>
    private void ShouldReject(string dir, string file, string field)
    {
        var victim = Victim();
        string before = Fingerprint(victim);
        var act = () => victim.LoadCheckpoint(dir);
        act.Should().Throw<InvalidDataException>().Which.Message.Should().Contain(file).And.Contain(field);
        Fingerprint(victim).Should().Be(before, "a failed load must leave the trainer as it was");
        // The trainer still trains normally afterwards, from its own state.
        victim.Fit(_train, _validation).History.Should().HaveCount(1);
    }

    [Fact]
    public void IntactCheckpoint_Loads_AndTheFingerprintMatchesTheSource()
    {
        var source = new MultiTaskTrainer(TrainingData.Model(_train.Width, seed: 1), Options(2, Path.Combine(_root, "again")));
        source.LoadCheckpoint(_checkpoint);
        var victim = Victim();
        victim.LoadCheckpoint(_checkpoint);
        Fingerprint(victim).Should().Be(Fingerprint(source));
    }

    [Fact]
    public void OptimizerMomentOfTheWrongShape_IsRejected_AndTheModelKeepsItsWeights()
    {
        string dir = Copy();
        EditTensors(dir, MultiTaskTrainer.OptimizerFileName, t =>
        {
            string key = t.Keys.First(k => k.EndsWith(".exp_avg_sq", StringComparison.Ordinal) && t[k].Rank == 2);
            t[key] = t[key].Reshape([.. t[key].Shape, 1]);
        });
        ShouldReject(dir, MultiTaskTrainer.OptimizerFileName, "exp_avg_sq");
    }

    [Fact]
    public void WeightingTensorOfTheWrongShape_IsRejected_AndNothingChanges()
    {
        string dir = Copy();
        EditTensors(dir, MultiTaskTrainer.ModelFileName, t => t["weighting.log_variances"] = Tensor.Zeros(3));
        ShouldReject(dir, MultiTaskTrainer.ModelFileName, "weighting.");
    }

    [Fact]
    public void RenamedOptimizerMoment_IsRejected()
    {
        string dir = Copy();
        EditTensors(dir, MultiTaskTrainer.OptimizerFileName, t =>
        {
            string key = t.Keys.First(k => k.EndsWith(".exp_avg", StringComparison.Ordinal));
            var value = t[key];
            t.Remove(key);
            t[key + "_old"] = value;
        });
        ShouldReject(dir, MultiTaskTrainer.OptimizerFileName, "exp_avg_old");
    }

    [Theory]
    [InlineData("rename")]
    [InlineData("reshape")]
    [InlineData("drop")]
    public void DamagedEarlyStoppingBestWeights_AreRejectedAtLoad_NotAtTheEndOfTraining(string damage)
    {
        string dir = Copy();
        EditTensors(dir, MultiTaskTrainer.CallbacksFileName, t =>
        {
            string key = t.Keys.First(k => k.StartsWith("0.", StringComparison.Ordinal) && t[k].Rank == 2);
            var value = t[key];
            if (damage == "reshape") { t[key] = value.Reshape(value.Numel); return; }
            t.Remove(key);
            if (damage == "rename") t[key + "x"] = value;
        });
        ShouldReject(dir, MultiTaskTrainer.CallbacksFileName, "EarlyStopping");
    }

    [Theory]
    [InlineData("best_epoch", 7.0)]
    [InlineData("best_epoch", 0.5)]
    [InlineData("wait", -1.0)]
    public void EarlyStoppingCountersOutOfRange_AreRejected(string field, double value)
    {
        string dir = Copy();
        EditJson(dir, root => root["callbacks"]![0]!["values"]![field] = value);
        ShouldReject(dir, MultiTaskTrainer.CallbacksFileName, field);
    }

    [Theory]
    [InlineData("last_epoch", 0.5)]
    [InlineData("last_lr.0", -1.0)]
    [InlineData("last_lr.7", 0.1)]
    public void SchedulerStateOutOfRange_IsRejectedAtLoad_NotWhenTheNextFitBegins(string field, double value)
    {
        TrainerOptions Scheduled(string checkpoint) => Options(2, checkpoint) with
        {
            Callbacks = [new ModelCheckpoint(checkpoint), new LearningRateScheduler(opt => new StepLR(opt, stepSize: 1, gamma: 0.5))],
        };
        string source = Path.Combine(_root, "scheduled");
        new MultiTaskTrainer(TrainingData.Model(_train.Width, seed: 1), Scheduled(source)).Fit(_train, _validation);
        EditJson(source, root => root["callbacks"]![1]!["values"]![field] = value);
        var trainer = new MultiTaskTrainer(TrainingData.Model(_train.Width, seed: 4), Scheduled(Path.Combine(_root, "scheduled-2")));
        var act = () => trainer.LoadCheckpoint(source);
        act.Should().Throw<InvalidDataException>().WithMessage($"*{MultiTaskTrainer.CallbacksFileName}*LearningRateScheduler*{field}*");
        trainer.EpochsCompleted.Should().Be(0);
    }

    [Theory]
    [InlineData("optimizer_values", "null")]
    [InlineData("sampler_updates", "null")]
    [InlineData("tasks", "null")]
    [InlineData("history", "null")]
    [InlineData("global_step", "\"NaN\"")]
    [InlineData("epoch", "\"x\"")]
    [InlineData("loader_generator", "null")]
    [InlineData("tasks", "[null, \"b\"]")]
    [InlineData("history", "[null, null]")]
    public void MalformedTrainerJson_IsAnInvalidDataException_NamingTheField(string field, string json)
    {
        string dir = Copy();
        EditJson(dir, root => root[field] = JsonNode.Parse(json));
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, field);
    }

    [Fact]
    public void NaNOptimizerStep_IsAnInvalidDataException_NotAnOverflow()
    {
        string dir = Copy();
        EditJson(dir, root => root["optimizer_values"]!["state.0.step"] = "NaN");
        ShouldReject(dir, MultiTaskTrainer.OptimizerFileName, "state.0.step");
    }

    [Fact]
    public void TruncatedOrUnknownTrainerJson_IsAnInvalidDataException_NamingTheFile()
    {
        string dir = Copy();
        string path = Path.Combine(dir, MultiTaskTrainer.TrainerFileName);
        string text = File.ReadAllText(path);
        File.WriteAllText(path, text[..(text.Length / 2)]);
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, "not valid checkpoint JSON");

        File.WriteAllText(path, text);
        EditJson(dir, root => root["extra_field"] = 1);
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, "extra_field");

        File.WriteAllText(path, text);
        EditJson(dir, root => root.Remove("loader_generator"));
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, "loader_generator");
    }

    [Theory]
    [InlineData(MultiTaskTrainer.ModelFileName)]
    [InlineData(MultiTaskTrainer.OptimizerFileName)]
    [InlineData(MultiTaskTrainer.CallbacksFileName)]
    public void UnreadableSafetensorsFile_IsRejected_InTheFormOfEveryCheckpointError(string file)
    {
        string dir = Copy();
        string path = Path.Combine(dir, file);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..20]);
        ShouldReject(dir, file, "the file");
        var act = () => Victim().LoadCheckpoint(dir);
        act.Should().Throw<InvalidDataException>().Which.Message.Should().StartWith($"Checkpoint file '{path}', the file: ").And.NotContain("Cannot read");
    }

    [Fact]
    public void AlteredLoaderState_WithATaskSampler_IsRejectedWhenFitReplaysIt_NamingTheFileAndField()
    {
        string dir = Copy();
        EditJson(dir, root => root["loader_generator"]!["s0"] = root["loader_generator"]!["s0"]!.GetValue<ulong>() ^ 1);
        var trainer = new MultiTaskTrainer(TrainingData.Model(_train.Width, seed: 1), Options(3, Path.Combine(_root, "replay")));
        // With a task sampler the loader's queues are rebuilt by replaying the finished epochs, which needs the training data.
        trainer.LoadCheckpoint(dir);
        var act = () => trainer.Fit(_train, _validation);
        act.Should().Throw<InvalidDataException>()
            .WithMessage($"Checkpoint file '{Path.Combine(dir, MultiTaskTrainer.TrainerFileName)}', loader_generator: *altered*");
    }

    [Fact]
    public void SamplerUpdatesThatOverflowTogether_AreRejectedWhenFitReplaysThem_NamingTheFileAndField()
    {
        // Each update alone is a finite, non-negative loss; together the ratio of the second to the first is infinite.
        string dir = Copy();
        EditJson(dir, root =>
        {
            root["sampler_updates"]![0]!["a"] = 5e-324;
            root["sampler_updates"]![1]!["a"] = 1e308;
        });
        var trainer = new MultiTaskTrainer(TrainingData.Model(_train.Width, seed: 1), Options(3, Path.Combine(_root, "overflow")));
        var act = () => trainer.Fit(_train, _validation, resumeFrom: dir);
        act.Should().Throw<InvalidDataException>()
            .WithMessage($"Checkpoint file '{Path.Combine(dir, MultiTaskTrainer.TrainerFileName)}', sampler_updates: replaying them failed (*NaN*altered*");
    }

    [Fact]
    public void UnknownWeightingValue_IsRejected_NamingTrainerJson()
    {
        string dir = Copy();
        EditJson(dir, root => root["weighting_values"]!["a"] = 1.0);
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, "weighting_values");
    }

    [Fact]
    public void HugeNamesAndIdsFromTheFiles_AreShortenedInMessages()
    {
        string huge = new('x', 50_000);
        string dir = Copy();
        EditTensors(dir, MultiTaskTrainer.ModelFileName, t =>
        {
            t[huge] = t["weighting.log_variances"];
            t.Remove("weighting.log_variances");
        });
        Message(dir).Should().Contain(MultiTaskTrainer.ModelFileName).And.Contain("characters)");

        dir = Copy();
        string path = Path.Combine(dir, MultiTaskTrainer.CallbacksFileName);
        var content = SafeTensors.LoadWithMetadata(path);
        SafeTensors.Save(content.Tensors, path, new Dictionary<string, string> { ["checkpoint_id"] = huge });
        Message(dir).Should().Contain(MultiTaskTrainer.CallbacksFileName).And.Contain("checkpoint_id");

        dir = Copy();
        EditJson(dir, root => root[huge] = 1);
        Message(dir).Should().Contain(MultiTaskTrainer.TrainerFileName);

        string Message(string checkpoint)
        {
            var act = () => Victim().LoadCheckpoint(checkpoint);
            var message = act.Should().Throw<InvalidDataException>().Which.Message;
            message.Length.Should().BeLessThan(3000);
            return message;
        }
    }

    [Fact]
    public void NegativeSecondMomentOfTheLearnedWeighting_Loads_AndTheResumedRunStopsWithTrainingDiverged()
    {
        // Finite, so a load cannot tell it from a real moment; the first step turns the log-variances NaN.
        string dir = Copy();
        EditTensors(dir, MultiTaskTrainer.OptimizerFileName, t =>
        {
            string key = t.Keys.Single(k => k.EndsWith(".exp_avg_sq", StringComparison.Ordinal) && t[k].Shape.SequenceEqual([2]));
            t[key] = Tensor.FromArray([-1f, -1f], 2);
        });
        var trainer = new MultiTaskTrainer(TrainingData.Model(_train.Width, seed: 1), Options(3, Path.Combine(_root, "diverged")));
        var act = () => trainer.Fit(_train, _validation, resumeFrom: dir);
        act.Should().Throw<TrainingDivergedException>().WithMessage("*the weight UncertaintyWeighting computed for task*NaN at epoch 2*");
    }

    [Fact]
    public void HugeRecordedEpochs_IsRejectedBeforeItSizesAnything()
    {
        string dir = Copy();
        EditJson(dir, root => root["weighting_context"]!["recorded_epochs"] = 1e6);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var trainer = new MultiTaskTrainer(TrainingData.Model(_train.Width, seed: 5), Options(2, Path.Combine(_root, "huge")));
        var act = () => trainer.LoadCheckpoint(dir);
        act.Should().Throw<InvalidDataException>().WithMessage("*trainer.json*weighting_context.recorded_epochs*");
        // The 1e6 epochs would take tens of MiB per task; the whole load, files included, must stay far below.
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(8 << 20);
    }

    [Fact]
    public void WeightingContext_BoundsRecordedEpochs_AndRejectsFractionsAndNaN()
    {
        var context = new WeightingContext(["a", "b"], []);
        var sd = context.StateDict();
        sd.Values["recorded_epochs"] = 1e9;
        var huge = () => context.LoadStateDict(sd);
        huge.Should().Throw<ArgumentException>().WithMessage($"*recorded_epochs*{WeightingContext.MaxRecordedEpochs}*");
        sd.Values["recorded_epochs"] = 0;
        sd.Values["step"] = double.NaN;
        var nan = () => context.LoadStateDict(sd);
        nan.Should().Throw<ArgumentException>().WithMessage("*'step'*NaN*");
        context.Step.Should().Be(0);

        // A valid snapshot with a gap (a task without labels in epoch 0) round-trips.
        context.RecordEpochLosses([null, 2.0]);
        context.RecordEpochLosses([1.5, 1.0]);
        var copy = new WeightingContext(["a", "b"], []);
        copy.LoadStateDict(context.StateDict());
        copy.EpochLossHistory[0].Should().Equal(null, 1.5);
        copy.EpochLossHistory[1].Should().Equal(2.0, 1.0);
    }

    [Fact]
    public void EmptyHistoryWithLaterWeights_IsRejected()
    {
        string dir = Copy();
        EditJson(dir, root => root["history"] = new JsonArray());
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, "epoch");
    }

    [Fact]
    public void HistoryAndEpochCountTogetherRewritten_StillDisagreeWithTheWeightingContext()
    {
        string dir = Copy();
        EditJson(dir, root =>
        {
            root["history"] = new JsonArray();
            root["epoch"] = 0;
            root["sampler_updates"] = new JsonArray();
        });
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, "weighting_context.recorded_epochs");
    }

    [Fact]
    public void AllZeroLoaderGenerator_IsRejected()
    {
        string dir = Copy();
        EditJson(dir, root =>
        {
            foreach (var word in new[] { "s0", "s1", "s2", "s3" }) root["loader_generator"]![word] = 0;
        });
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, "loader_generator");
    }

    [Fact]
    public void SamplerUpdates_MustBeOnePerEpoch_ForKnownTasks_WithValuesTheSamplerAccepts()
    {
        string dir = Copy();
        EditJson(dir, root => root["sampler_updates"]!.AsArray().RemoveAt(0));
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, "sampler_updates");

        dir = Copy();
        EditJson(dir, root => root["sampler_updates"]![0]!["c"] = 1.0);
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, "sampler_updates[0]");

        dir = Copy();
        EditJson(dir, root => root["sampler_updates"]![1]!["a"] = -1.0);
        ShouldReject(dir, MultiTaskTrainer.TrainerFileName, "sampler_updates[1]");
    }

    [Fact]
    public void ModelTensorOfTheWrongShapeOrMissing_IsRejected_NamingTheTensor()
    {
        string dir = Copy();
        string key = "";
        EditTensors(dir, MultiTaskTrainer.ModelFileName, t =>
        {
            key = t.Keys.First(k => !k.StartsWith("weighting.", StringComparison.Ordinal));
            t.Remove(key);
        });
        ShouldReject(dir, MultiTaskTrainer.ModelFileName, key);
    }

    [Fact]
    public void FilesFromAnotherSave_AreRejected_NamingTheFile()
    {
        string other = Path.Combine(_root, "other");
        new MultiTaskTrainer(TrainingData.Model(_train.Width, seed: 1), Options(1, other)).Fit(_train, _validation);
        string dir = Copy();
        File.Copy(Path.Combine(other, MultiTaskTrainer.CallbacksFileName), Path.Combine(dir, MultiTaskTrainer.CallbacksFileName), overwrite: true);
        ShouldReject(dir, MultiTaskTrainer.CallbacksFileName, "checkpoint_id");
    }

    [Fact]
    public void OptimizerLoadStateDict_RejectsUnknownBuffers_BadSteps_AndBadHyperParameters_WithoutChangingAnything()
    {
        var p = new Engine.NN.Parameter(Tensor.FromArray([1f, 2f], 2));
        var adam = new Adam([p], new AdamOptions { LearningRate = 0.1 });
        p.Grad = Tensor.FromArray([0.5f, -0.5f], 2);
        adam.Step();
        var good = adam.StateDict();

        OptimizerStateDict Altered(Action<OptimizerStateDict> edit)
        {
            var sd = new OptimizerStateDict();
            foreach (var (k, v) in good.Values) sd.Values[k] = v;
            foreach (var (k, t) in good.Tensors) sd.Tensors[k] = t;
            edit(sd);
            return sd;
        }

        var renamed = Altered(sd => { sd.Tensors["state.0.exp_avgx"] = sd.Tensors["state.0.exp_avg"]; sd.Tensors.Remove("state.0.exp_avg"); });
        var nanStep = Altered(sd => sd.Values["state.0.step"] = double.NaN);
        var infiniteLr = Altered(sd => sd.Values["param_groups.0.lr"] = double.PositiveInfinity);
        var unknownGroupValue = Altered(sd => sd.Values["param_groups.0.lr_typo"] = 1);
        var fresh = new Adam([p], new AdamOptions { LearningRate = 0.3 });
        foreach (var (bad, words) in new[] { (renamed, "*exp_avgx*not a buffer of Adam*"), (nanStep, "*state.0.step*NaN*"), (infiniteLr, "*lr*finite*"), (unknownGroupValue, "*lr_typo*") })
        {
            var act = () => fresh.LoadStateDict(bad);
            act.Should().Throw<ArgumentException>().WithMessage(words);
            fresh.GetState(p).Should().BeNull();
            fresh.ParamGroups[0].LearningRate.Should().Be(0.3);
        }
        fresh.LoadStateDict(good);
        fresh.GetState(p)!.Step.Should().Be(1);
    }
}
