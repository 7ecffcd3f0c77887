using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Training;

namespace MultiTask.Tests.Training;

public class ValidationSplitTests
{
    [Fact]
    public void HeldOutRows_TakeAboutTheFractionOfEachTask_SeededAndDisjoint()
    {
        var (train, _) = TrainingData.Encoded(trainRows: 200);
        var held = ValidationSplitter.HeldOutRows(train, [0, 1], 0.2, seed: 3);
        var mask = new[] { train.Mask(0).ToArray(), train.Mask(1).ToArray() };
        for (int t = 0; t < 2; t++)
        {
            int labels = train.LabelCount(t), heldLabels = held.Count(r => mask[t][r] != 0);
            // At most round(0.2·n), and close to it: the greedy fill only stops short when the other task is full.
            heldLabels.Should().BeLessThanOrEqualTo((int)Math.Round(0.2 * labels)).And.BeGreaterThan((int)(0.15 * labels), $"task {t}");
        }
        held.Should().OnlyHaveUniqueItems().And.BeInAscendingOrder();
        ValidationSplitter.HeldOutRows(train, [0, 1], 0.2, seed: 3).Should().Equal(held);
        ValidationSplitter.HeldOutRows(train, [0, 1], 0.2, seed: 4).Should().NotEqual(held);
    }

    [Fact]
    public void TaskWithTooFewLabels_KeepsAllItsRows()
    {
        // Task b labelled on two rows only: round(0.2·2) = 0 rows to hold out, so both stay in training;
        // task a (about 30 labels) still gives rows that are not labelled for b.
        var data = TrainingData.Dataset(40, 5);
        var b = data.B.Select((v, i) => i is 0 or 3 ? v : double.NaN).ToArray();
        var sparse = MultiTask.Data.MultiTaskDataset.FromArrays(TrainingData.Schema(), TrainingData.Tasks(), data.X, TrainingData.Features,
            new Dictionary<string, double[]> { ["a"] = data.A, ["b"] = b });
        var encoded = FeatureEncoder.Fit(sparse).Transform(sparse);
        var held = ValidationSplitter.HeldOutRows(encoded, [0, 1], 0.2, seed: 1);

        encoded.LabelCount(1).Should().Be(2);
        held.Should().NotBeEmpty().And.NotContain(encoded.LabeledRows(1));
        held.Length.Should().Be((int)Math.Round(0.2 * encoded.LabelCount(0)));
    }

    [Fact]
    public void HeldOutRows_NeverReachAGradient()
    {
        // Poisoning the held-out targets with huge values must not change training at all, and training
        // equals a run on the remaining rows alone.
        const double Split = 0.25;
        var clean = TrainingData.Dataset(120, 21);
        var encoder = FeatureEncoder.Fit(clean.Data);
        var encoded = encoder.Transform(clean.Data);
        var held = ValidationSplitter.HeldOutRows(encoded, [0, 1], Split, seed: 8);
        double[] Poison(double[] y) => y.Select((v, i) => double.IsNaN(v) || Array.BinarySearch(held, i) < 0 ? v : 1e6).ToArray();
        var poisoned = encoder.Transform(MultiTask.Data.MultiTaskDataset.FromArrays(TrainingData.Schema(), TrainingData.Tasks(), clean.X, TrainingData.Features,
            new Dictionary<string, double[]> { ["a"] = Poison(clean.A), ["b"] = Poison(clean.B) }));

        TrainerOptions Options(double split) => new() { Epochs = 3, BatchSize = 16, Seed = 8, ValidationSplit = split, Optimizer = new AdamOptions { LearningRate = 1e-2 } };
        var cleanModel = TrainingData.Model(encoded.Width);
        var cleanReport = new MultiTaskTrainer(cleanModel, Options(Split)).Fit(encoded);
        var poisonedModel = TrainingData.Model(encoded.Width);
        var poisonedReport = new MultiTaskTrainer(poisonedModel, Options(Split)).Fit(poisoned);
        var keptModel = TrainingData.Model(encoded.Width);
        var keptReport = new MultiTaskTrainer(keptModel, Options(0)).Fit(ValidationSplitter.Split(encoded, held).Train);

        TrainingData.Weights(poisonedModel).Should().BeEquivalentTo(TrainingData.Weights(cleanModel), o => o.WithStrictOrdering());
        TrainingData.Weights(keptModel).Should().BeEquivalentTo(TrainingData.Weights(cleanModel), o => o.WithStrictOrdering());
        poisonedReport.History.Select(r => r["loss"]).Should().Equal(cleanReport.History.Select(r => r["loss"]));
        keptReport.History.Select(r => r["loss"]).Should().Equal(cleanReport.History.Select(r => r["loss"]));
        // The held-out rows are the validation data: their poisoned targets show up there only.
        cleanReport.History[^1]["val_loss"].Should().BeLessThan(10);
        poisonedReport.History[^1]["val_loss"].Should().BeGreaterThan(1e6);
        cleanReport.FinalValidation!["a"].LabelCount.Should().Be(held.Count(r => !double.IsNaN(clean.A[r])));
    }

    [Fact]
    public void EarlyStoppingWithBestWeights_OnTheInternalSplit_IsOneOptionSet()
    {
        var (train, _) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 12, BatchSize = 16, Seed = 1, ValidationSplit = 0.2,
            Optimizer = new AdamOptions { LearningRate = 0.05 },
            Callbacks = [new EarlyStopping("val_loss", patience: 3, restoreBestWeights: true)],
        });
        var report = trainer.Fit(train);

        var losses = report.History.Select(r => r["val_loss"]).ToList();
        report.BestEpoch.Should().Be(losses.IndexOf(losses.Min()));
        // The restored weights are the best epoch's: evaluating them on the held-out rows gives its val_loss again.
        report.FinalValidation!.Loss.Should().Be(losses.Min());
    }

    [Fact]
    public void Resume_WithAnInternalSplit_IsBitIdentical()
    {
        string root = Path.Combine(Path.GetTempPath(), "multitask-split-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (train, _) = TrainingData.Encoded();
            TrainerOptions Options(int epochs, string dir) => new()
            {
                Epochs = epochs, BatchSize = 16, Seed = 6, ValidationSplit = 0.2,
                Callbacks = [new EarlyStopping("val_loss", patience: 50), new ModelCheckpoint(dir)],
            };
            var straightModel = TrainingData.Model(train.Width);
            var straight = new MultiTaskTrainer(straightModel, Options(4, Path.Combine(root, "straight"))).Fit(train);
            new MultiTaskTrainer(TrainingData.Model(train.Width), Options(2, Path.Combine(root, "half"))).Fit(train);
            var resumedModel = TrainingData.Model(train.Width, seed: 99);
            var resumed = new MultiTaskTrainer(resumedModel, Options(4, Path.Combine(root, "resumed"))).Fit(train, resumeFrom: Path.Combine(root, "half"));

            for (int e = 0; e < 4; e++) resumed.History[e].Values.Should().Equal(straight.History[e].Values, $"epoch {e}");
            TrainingData.Weights(resumedModel).Should().BeEquivalentTo(TrainingData.Weights(straightModel), o => o.WithStrictOrdering());
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Split_OutOfRange_IsRejected()
    {
        new TrainerOptions { ValidationSplit = 1 }.Invoking(o => o.Validate()).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*ValidationSplit*[0, 1)*");
        new TrainerOptions { ValidationSplit = -0.1 }.Invoking(o => o.Validate()).Should().Throw<ArgumentOutOfRangeException>();
    }
}
