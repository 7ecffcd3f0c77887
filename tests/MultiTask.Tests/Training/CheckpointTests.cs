using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Training;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "multitask-checkpoints-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static TrainerOptions Options(int epochs, string checkpoint, TaskSampler? sampler = null) => new()
    {
        Epochs = epochs, BatchSize = 16, Seed = 9, Sampler = sampler,
        Optimizer = new AdamOptions { LearningRate = 5e-3 },
        Weighting = new UncertaintyWeighting(),
        Regularization = Regularization.L2(1e-4),
        Callbacks =
        [
            new EarlyStopping("val_loss", patience: 100),
            new LearningRateScheduler(o => new StepLR(o, stepSize: 2, gamma: 0.7)),
            new ReduceLearningRateOnPlateau("a.rmse", factor: 0.5, patience: 1),
            new ModelCheckpoint(checkpoint),
        ],
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Resume_FromHalfway_EqualsTrainingStraight_BitForBit(bool perTaskBatches)
    {
        var (train, validation) = TrainingData.Encoded();
        TaskSampler? Sampler() => perTaskBatches ? TaskSampler.Dynamic(0.5) : null;
        var straightModel = TrainingData.Model(train.Width, seed: 1);
        var straight = new MultiTaskTrainer(straightModel, Options(6, Path.Combine(_root, "straight"), Sampler())).Fit(train, validation);

        string half = Path.Combine(_root, "half");
        new MultiTaskTrainer(TrainingData.Model(train.Width, seed: 1), Options(3, half, Sampler())).Fit(train, validation);
        // A fresh model with other initial weights: everything must come from the checkpoint.
        var resumedModel = TrainingData.Model(train.Width, seed: 77);
        var resumed = new MultiTaskTrainer(resumedModel, Options(6, Path.Combine(_root, "resumed"), Sampler()))
            .Fit(train, validation, resumeFrom: half);

        resumed.History.Should().HaveCount(6);
        for (int e = 0; e < 6; e++)
            resumed.History[e].Values.Should().Equal(straight.History[e].Values, $"epoch {e}");
        TrainingData.Weights(resumedModel).Should().BeEquivalentTo(TrainingData.Weights(straightModel), o => o.WithStrictOrdering());
    }

    [Fact]
    public void Checkpoint_HasTheDocumentedFiles_AndNonFiniteNumbersRoundTrip()
    {
        var (train, validation) = TrainingData.Encoded();
        string dir = Path.Combine(_root, "files");
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), Options(1, dir));
        trainer.Fit(train, validation);

        Directory.GetFiles(dir).Select(Path.GetFileName).Should().BeEquivalentTo(
            [MultiTaskTrainer.ModelFileName, MultiTaskTrainer.OptimizerFileName, MultiTaskTrainer.CallbacksFileName, MultiTaskTrainer.TrainerFileName]);
        Directory.Exists(dir + ".partial").Should().BeFalse();
        string json = File.ReadAllText(Path.Combine(dir, MultiTaskTrainer.TrainerFileName));
        json.Should().Contain("\"loader_generator\"").And.Contain("\"history\"").And.Contain("\"optimizer_values\"");

        // ModelCheckpoint's best starts at +∞ and EarlyStopping's best is finite; both must survive JSON.
        var other = new MultiTaskTrainer(TrainingData.Model(train.Width), Options(1, Path.Combine(_root, "other")));
        other.LoadCheckpoint(dir);
        other.History.Records.Should().HaveCount(1);
        other.History.Records[0].Values.Should().Equal(trainer.History.Records[0].Values);
    }

    [Fact]
    public void FailedSave_LeavesThePreviousCheckpointIntact()
    {
        var (train, validation) = TrainingData.Encoded();
        string dir = Path.Combine(_root, "atomic");
        bool fail = false;
        var probe = new Probe { State = () => fail ? throw new IOException("disk full") : null };
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, Callbacks = [probe] };
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), options);
        trainer.Fit(train, validation);
        trainer.SaveCheckpoint(dir);
        var before = Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f)!, File.ReadAllBytes);

        fail = true;
        var act = () => trainer.SaveCheckpoint(dir);

        act.Should().Throw<IOException>().WithMessage("disk full");
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f)!, File.ReadAllBytes).Should().BeEquivalentTo(before);
        // The model and optimizer files were already written to the staging directory; its lack of trainer.json marks it incomplete.
        File.Exists(Path.Combine(dir + ".partial", MultiTaskTrainer.ModelFileName)).Should().BeTrue();
        File.Exists(Path.Combine(dir + ".partial", MultiTaskTrainer.TrainerFileName)).Should().BeFalse();

        var restored = TrainingData.Model(train.Width, seed: 5);
        new MultiTaskTrainer(restored, options with { Weighting = new EqualWeighting() }).LoadCheckpoint(dir);
        TrainingData.Weights(restored).Should().BeEquivalentTo(TrainingData.Weights(trainer.Model), o => o.WithStrictOrdering());

        // A crash between the two renames leaves only <dir>.previous, which loading falls back to.
        Directory.Delete(dir + ".partial", recursive: true);
        Directory.Move(dir, dir + ".previous");
        var fallback = TrainingData.Model(train.Width, seed: 6);
        new MultiTaskTrainer(fallback, options with { Weighting = new EqualWeighting() }).LoadCheckpoint(dir);
        TrainingData.Weights(fallback).Should().BeEquivalentTo(TrainingData.Weights(trainer.Model), o => o.WithStrictOrdering());
    }

    [Fact]
    public void Load_MissingOrMismatchedCheckpoint_ExplainsWhy()
    {
        var (train, _) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 1 });
        var missing = () => trainer.LoadCheckpoint(Path.Combine(_root, "nothing"));
        missing.Should().Throw<FileNotFoundException>().WithMessage("*trainer.json*incomplete*");

        trainer.Fit(train);
        string dir = Path.Combine(_root, "mismatch");
        trainer.SaveCheckpoint(dir);
        var other = new MultiTaskTrainer(TrainingData.Model(train.Width, 1, "a"), new TrainerOptions { Epochs = 1 });
        var act = () => other.LoadCheckpoint(dir);
        act.Should().Throw<InvalidDataException>().WithMessage("*'a', 'b'*'a'*");

        Directory.CreateDirectory(Path.Combine(_root, "user"));
        File.WriteAllText(Path.Combine(_root, "user", "notes.txt"), "keep me");
        var unrelated = () => trainer.SaveCheckpoint(Path.Combine(_root, "user"));
        unrelated.Should().Throw<IOException>().WithMessage("*not a checkpoint*");
        File.ReadAllText(Path.Combine(_root, "user", "notes.txt")).Should().Be("keep me");
    }

    [Fact]
    public void ModelCheckpoint_SaveBestOnly_WritesOnlyImprovingEpochs()
    {
        var (train, validation) = TrainingData.Encoded(negateValidation: true);
        string pattern = Path.Combine(_root, "best-{epoch}");
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 6, Optimizer = new AdamOptions { LearningRate = 1e-2 },
            Callbacks = [new ModelCheckpoint(pattern, "val_loss", saveBestOnly: true)],
        });
        var report = trainer.Fit(train, validation);

        var values = report.History.Select(h => h["val_loss"]).ToArray();
        var improving = values.Select((v, i) => (v, i)).Where(p => p.v < values.Take(p.i).DefaultIfEmpty(double.PositiveInfinity).Min()).Select(p => p.i);
        Directory.GetDirectories(_root).Select(Path.GetFileName).Should().BeEquivalentTo(improving.Select(i => $"best-{i}"));
    }
}
