using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Losses;
using MultiTask.Engine.Optim;
using MultiTask.Metrics;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Training;

public class MultiTaskTrainerTests
{
    [Fact]
    public void Fit_TwoTaskRegression_ReachesTheNoiseFloor()
    {
        var (train, validation) = TrainingData.Encoded(trainRows: 400);
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 60, BatchSize = 32, Optimizer = new AdamOptions { LearningRate = 1e-2 },
        });

        var report = trainer.Fit(train, validation);

        report.StopReason.Should().Be(TrainingStopReason.Completed);
        report.History.Should().HaveCount(60);
        // The targets' noise has σ = 0.1 in user units; a fitted model's RMSE is about σ, the targets' spread about 2.
        foreach (var task in new[] { "a", "b" })
            report.FinalValidation![task]["rmse"].Should().BeLessThan(3 * TrainingData.Noise, task);
        report.History[^1].Loss.Should().BeLessThan(report.History[0].Loss / 10);
    }

    [Fact]
    public void Fit_SameSeed_IsBitIdentical()
    {
        var (train, validation) = TrainingData.Encoded();
        TrainerOptions Options() => new() { Epochs = 3, BatchSize = 16, Seed = 5, Weighting = new UncertaintyWeighting() };
        var first = TrainingData.Model(train.Width);
        var second = TrainingData.Model(train.Width);
        var r1 = new MultiTaskTrainer(first, Options()).Fit(train, validation);
        var r2 = new MultiTaskTrainer(second, Options()).Fit(train, validation);

        TrainingData.Weights(second).Should().BeEquivalentTo(TrainingData.Weights(first), o => o.WithStrictOrdering());
        r2.History.Select(h => h.Values).Should().BeEquivalentTo(r1.History.Select(h => h.Values));
    }

    [Fact]
    public void Fit_MaskedLabelValues_ChangeNothing()
    {
        var (train, _) = TrainingData.Encoded();
        // Same rows and masks, but every masked target holds garbage instead of 0.
        var targets = Enumerable.Range(0, 2).Select(t => train.Targets(t).ToArray()).ToArray();
        var masks = Enumerable.Range(0, 2).Select(t => train.Mask(t).ToArray()).ToArray();
        for (int t = 0; t < 2; t++)
            for (int r = 0; r < train.RowCount; r++)
                if (masks[t][r] == 0f) targets[t][r] = r % 2 == 0 ? 1e30f : float.NaN;
        var garbage = new EncodedData(train.Encoder, train.RowCount, train.Features.ToArray(), targets, masks, new Dictionary<string, int>());
        masks.Sum(m => m.Count(v => v == 0f)).Should().BeGreaterThan(0);

        var clean = TrainingData.Model(train.Width);
        var dirty = TrainingData.Model(train.Width);
        new MultiTaskTrainer(clean, new TrainerOptions { Epochs = 2, BatchSize = 16 }).Fit(train);
        var report = new MultiTaskTrainer(dirty, new TrainerOptions { Epochs = 2, BatchSize = 16 }).Fit(garbage);

        TrainingData.Weights(dirty).Should().BeEquivalentTo(TrainingData.Weights(clean), o => o.WithStrictOrdering());
        report.History.SelectMany(h => h.Values.Values).Should().OnlyContain(v => double.IsFinite(v));
    }

    [Fact]
    public void Fit_TasksAbsentFromBatches_AreSkippedWithoutNaN()
    {
        var (train, validation) = TrainingData.Encoded();
        var batches = new List<BatchResult>();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 2, BatchSize = 8, Sampler = TaskSampler.Uniform(), Weighting = new DynamicWeightAverage(),
            Callbacks = [new Probe { BatchEnd = c => batches.Add(c.LastBatch!) }],
        });

        var report = trainer.Fit(train, validation);

        batches.Should().OnlyContain(b => b.Losses.Count == 1 && b.StepTaken && double.IsFinite(b.Objective));
        report.History.SelectMany(h => h.Values.Values).Should().OnlyContain(v => double.IsFinite(v));
        TrainingData.Weights(trainer.Model).SelectMany(w => w).Should().OnlyContain(v => float.IsFinite(v));
    }

    [Fact]
    public void Fit_ModelOnASubsetOfTheDataTasks_IgnoresTheOtherLabels()
    {
        var (train, validation) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width, 1, "b"), new TrainerOptions { Epochs = 2 });

        var report = trainer.Fit(train, validation);

        report.History[^1].Values.Keys.Should().Contain("loss.b").And.NotContain("loss.a");
        trainer.Predict(validation).TaskNames.Should().Equal("b");
    }

    [Fact]
    public void EarlyStopping_StopsAndRestoresTheBestWeights()
    {
        // Validation targets are the negated training targets, so fitting the training data makes validation worse.
        var (train, validation) = TrainingData.Encoded(negateValidation: true);
        var stopping = new EarlyStopping("val_loss", patience: 3);
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 40, Optimizer = new AdamOptions { LearningRate = 1e-2 }, Callbacks = [stopping],
        });

        var report = trainer.Fit(train, validation);

        report.StopReason.Should().Be(TrainingStopReason.EarlyStopped);
        report.BestEpoch.Should().Be(stopping.BestEpoch);
        report.EpochsCompleted.Should().Be(report.BestEpoch!.Value + 3 + 1);
        report.Monitor.Should().Be("val_loss");
        double best = report.History[report.BestEpoch.Value]["val_loss"];
        report.BestValue.Should().Be(best);
        trainer.Evaluate(validation).Loss.Should().Be(best);
        report.FinalValidation!.Loss.Should().Be(best);
    }

    [Fact]
    public void EarlyStopping_OnAMetric_UsesTheMetricsDirection()
    {
        var (train, validation) = TrainingData.Encoded();
        var stopping = new EarlyStopping("a.r2", patience: 50);
        new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 3, Callbacks = [stopping] }).Fit(train, validation);

        stopping.Best.Should().BeGreaterThan(double.NegativeInfinity);
        var act = () => new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 1, Callbacks = [new EarlyStopping("a.nope")] }).Fit(train, validation);
        act.Should().Throw<ArgumentException>().WithMessage("*'a.nope'*a.rmse*");
        var noValidation = () => new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 1, Callbacks = [new EarlyStopping()] }).Fit(train);
        noValidation.Should().Throw<ArgumentException>().WithMessage("*val_loss*validation*");
    }

    [Fact]
    public void Fit_HugeLearningRate_ThrowsNamingTaskEpochAndStep()
    {
        var (train, _) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 3, Optimizer = new SgdOptions { LearningRate = 1e30 },
        });

        var act = () => trainer.Fit(train);

        var e = act.Should().Throw<TrainingDivergedException>().Which;
        new[] { "a", "b" }.Should().Contain(e.Task);
        e.Step.Should().BeGreaterThan(0);
        e.Message.Should().Contain($"'{e.Task}'").And.Contain($"step {e.Step}").And.Contain("learning rate");
    }

    [Fact]
    public void Fit_WithoutTerminateOnNonFinite_SkipsDivergedBatches()
    {
        var (train, _) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 2, Optimizer = new SgdOptions { LearningRate = 1e30 }, TerminateOnNonFinite = false,
        });

        var report = trainer.Fit(train);

        report.History.Sum(h => h["skipped_steps"]).Should().BeGreaterThan(0);
    }

    [Fact]
    public void Fit_WithASampler_ALastStepThatLeavesTheModelNaN_ThrowsTrainingDiverged_NotTheSamplersArgumentException()
    {
        var (train, validation) = TrainingData.Encoded();
        // Every batch loss of the epoch is finite; only the validation loss the sampler is updated with is not.
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 2, BatchSize = 16, Sampler = TaskSampler.Dynamic(0.5),
            Callbacks = [new Probe { BatchEnd = c => { if (c.LastBatch!.Batch == c.StepsPerEpoch - 1) c.Model.Parameters().First().AsSpan()[0] = float.NaN; } }],
        });

        var act = () => trainer.Fit(train, validation);

        var e = act.Should().Throw<TrainingDivergedException>().Which;
        e.Message.Should().Contain($"validation loss of task '{e.Task}' is NaN at epoch 0");
        trainer.EpochsCompleted.Should().Be(0);
    }

    [Fact]
    public void Fit_Cancelled_StopsBetweenBatchesAndSaysSo()
    {
        var (train, _) = TrainingData.Encoded();
        using var cts = new CancellationTokenSource();
        var batches = 0;
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 5, BatchSize = 16,
            Callbacks = [new Probe { BatchEnd = c => { if (c.Epoch == 1 && ++batches == 3) cts.Cancel(); } }],
        });

        var report = trainer.Fit(train, cancellationToken: cts.Token);

        report.StopReason.Should().Be(TrainingStopReason.Cancelled);
        report.EpochsCompleted.Should().Be(1);
        batches.Should().Be(3);
    }

    [Fact]
    public void LearningRateScheduler_EpochAndBatchIntervals_SetTheExpectedRates()
    {
        var (train, _) = TrainingData.Encoded();
        var byEpoch = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 5, Optimizer = new SgdOptions { LearningRate = 0.1 },
            Callbacks = [new LearningRateScheduler(o => new StepLR(o, stepSize: 2, gamma: 0.5))],
        }).Fit(train);
        byEpoch.History.Select(h => h.LearningRate).Should().Equal(0.1, 0.1, 0.05, 0.05, 0.025);

        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 2, BatchSize = 40, Optimizer = new SgdOptions { LearningRate = 0.1 },
            Callbacks = [new LearningRateScheduler(o => new ExponentialLR(o, gamma: 0.9), SchedulerInterval.Batch)],
        });
        var byBatch = trainer.Fit(train);
        int steps = (int)byBatch.History[0]["steps"];
        byBatch.History[1].LearningRate.Should().BeApproximately(0.1 * Math.Pow(0.9, steps), 1e-12);
        trainer.Optimizer.ParamGroups[0].LearningRate.Should().BeApproximately(0.1 * Math.Pow(0.9, 2 * steps), 1e-12);
    }

    [Fact]
    public void ReduceLearningRateOnPlateau_CutsTheRateWhenTheMonitorStalls()
    {
        var (train, validation) = TrainingData.Encoded(negateValidation: true);
        var report = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 12, Optimizer = new AdamOptions { LearningRate = 1e-2 },
            Callbacks = [new ReduceLearningRateOnPlateau("val_loss", factor: 0.5, patience: 1)],
        }).Fit(train, validation);

        report.History[^1].LearningRate.Should().BeLessThan(1e-2);
    }

    [Fact]
    public void Evaluate_ReportsMetricsInUserUnits()
    {
        var train = TrainingData.Dataset(160, 11).Data;
        var encoder = FeatureEncoder.Fit(train);
        var (testData, _, a, _) = TrainingData.Dataset(50, 13);
        var test = encoder.Transform(testData);
        var trainer = new MultiTaskTrainer(TrainingData.Model(test.Width), new TrainerOptions { Epochs = 5 });
        trainer.Fit(encoder.Transform(train));

        var predictions = trainer.Predict(test)["a"].ToArray();
        var evaluation = trainer.Evaluate(test)["a"];

        var labelled = Enumerable.Range(0, a.Length).Where(i => !double.IsNaN(a[i])).ToArray();
        double rmse = Math.Sqrt(labelled.Average(i => Math.Pow(predictions[i] - a[i], 2)));
        double mae = labelled.Average(i => Math.Abs(predictions[i] - a[i]));
        evaluation.LabelCount.Should().Be(labelled.Length);
        evaluation["rmse"].Should().BeApproximately(rmse, 1e-4 * rmse);
        evaluation["mae"].Should().BeApproximately(mae, 1e-4 * mae);
    }

    [Fact]
    public void Predict_Classification_GivesProbabilities()
    {
        var tasks = new[] { TaskSpec.Binary("a", TrainingData.Features), TaskSpec.Regression("b", TrainingData.Features) };
        var g = new MultiTask.Engine.Tensors.Generator(3);
        var x = Enumerable.Range(0, 80).Select(_ => new[] { g.NextNormal(), g.NextNormal(), g.NextNormal() }).ToArray();
        var labels = new Dictionary<string, double[]>
        {
            ["a"] = x.Select(r => r[0] > 0 ? 1.0 : 0.0).ToArray(),
            ["b"] = x.Select(r => r[1]).ToArray(),
        };
        var data = MultiTaskDataset.FromArrays(TrainingData.Schema(), tasks, x, TrainingData.Features, labels);
        var encoded = FeatureEncoder.Fit(data).Transform(data);
        var trainer = new MultiTaskTrainer(TrainingData.Model(encoded.Width), new TrainerOptions { Epochs = 20, Optimizer = new AdamOptions { LearningRate = 1e-2 } });
        trainer.Fit(encoded);

        var p = trainer.Predict(encoded)["a"].ToArray();
        p.Should().OnlyContain(v => v >= 0f && v <= 1f);
        double accuracy = p.Select((v, i) => (v >= 0.5f ? 1.0 : 0.0) == labels["a"][i] ? 1.0 : 0.0).Average();
        trainer.Evaluate(encoded)["a"]["accuracy"].Should().BeApproximately(accuracy, 1e-12);
    }

    [Theory]
    [InlineData("equal")]
    [InlineData("static")]
    [InlineData("uncertainty")]
    [InlineData("dwa")]
    [InlineData("gradnorm")]
    [InlineData("pcgrad")]
    [InlineData("mgda")]
    public void Fit_RunsEveryWeightingStrategy(string name)
    {
        LossWeighting weighting = name switch
        {
            "equal" => new EqualWeighting(),
            "static" => new StaticWeighting(new Dictionary<string, double> { ["a"] = 2.0, ["b"] = 0.5 }),
            "uncertainty" => new UncertaintyWeighting(),
            "dwa" => new DynamicWeightAverage(),
            "gradnorm" => new GradNorm(),
            "mgda" => new Mgda(),
            _ => new PCGrad(seed: 3),
        };
        var (train, validation) = TrainingData.Encoded();
        var report = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 3, Weighting = weighting }).Fit(train, validation);

        report.History.SelectMany(h => h.Values.Values).Should().OnlyContain(v => double.IsFinite(v));
        report.History[^1].Values.Keys.Should().Contain(["weight.a", "weight.b"]);
        report.History[^1].Loss.Should().BeLessThan(report.History[0].Loss);
        if (name == "static") report.History[0]["weight.a"].Should().Be(2.0);
    }

    [Fact]
    public void Regularization_ChangesTheObjectiveByExactlyLambdaTimesR()
    {
        var (train, _) = TrainingData.Encoded();
        double Objective(Regularization? regularization, out double penalty)
        {
            var model = TrainingData.Model(train.Width);
            penalty = model.SharedParameters().Sum(p => p.ToArray().Sum(v => (double)v * v)) * 0.01;
            double objective = double.NaN;
            var trainer = new MultiTaskTrainer(model, new TrainerOptions
            {
                Epochs = 1, Regularization = regularization,
                Callbacks = [new Probe { BatchEnd = c => { if (c.LastBatch!.Step == 0) objective = c.LastBatch.Objective; } }],
            });
            trainer.Fit(train);
            return objective;
        }

        double plain = Objective(null, out _);
        double regularized = Objective(Regularization.L2(0.01, ParameterSelector.Shared), out double penalty);

        (regularized - plain).Should().BeApproximately(penalty, 1e-5 * penalty);
        penalty.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Fit_ModelTasksMissingFromTheData_NamesBothLists()
    {
        var (train, _) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width, 1, "a", "price"));

        var act = () => trainer.Fit(train);

        act.Should().Throw<ArgumentException>().WithMessage("*'a', 'price'*'a', 'b'*missing: 'price'*");
    }

    [Fact]
    public void Fit_InputWidthMismatch_NamesBothWidths()
    {
        var (train, _) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width + 2));

        var act = () => trainer.Fit(train);

        act.Should().Throw<ArgumentException>().WithMessage($"*expects {train.Width + 2} input features*has {train.Width} columns*");
    }

    [Fact]
    public void Predict_NonFiniteInput_NamesRowAndColumn()
    {
        var (train, _) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width));
        var inputs = train.Features.Clone();
        inputs[3, 1] = float.PositiveInfinity;

        var act = () => trainer.Predict(inputs, train.Encoder);

        act.Should().Throw<ArgumentException>().WithMessage($"*row 3, column '{train.ColumnNames[1]}'*encoder.Transform*");
    }

    [Fact]
    public void Fit_EmptyTrainingData_Throws()
    {
        var data = TrainingData.Dataset(20, 1).Data;
        var empty = FeatureEncoder.Fit(data).Transform(data.Subset([]));
        var trainer = new MultiTaskTrainer(TrainingData.Model(empty.Width));

        var act = () => trainer.Fit(empty);

        act.Should().Throw<ArgumentException>().WithMessage("*no rows*");
    }

    [Fact]
    public void Fit_CustomTaskWithoutLoss_AsksForOne()
    {
        TaskSpec[] Tasks(Loss? loss) => [TaskSpec.Regression("a", TrainingData.Features), TaskSpec.Custom("b", TrainingData.Features, 1) with { Loss = loss }];
        var data = TrainingData.Dataset(40, 1, Tasks(null)).Data;
        var encoded = FeatureEncoder.Fit(data).Transform(data);

        var act = () => new MultiTaskTrainer(TrainingData.Model(encoded.Width)).Fit(encoded);

        act.Should().Throw<ArgumentException>().WithMessage("*'b' is a custom task*Loss = new MseLoss()*");
        var withLoss = TrainingData.Dataset(40, 1, Tasks(new L1Loss())).Data;
        var ok = new MultiTaskTrainer(TrainingData.Model(encoded.Width), new TrainerOptions { Epochs = 1 }).Fit(FeatureEncoder.Fit(withLoss).Transform(withLoss));
        ok.History[0].Values.Should().ContainKey("loss.b");
    }

    [Fact]
    public void Options_InvalidValues_AreRejectedByName()
    {
        var model = TrainingData.Model(3);
        var act = () => new MultiTaskTrainer(model, new TrainerOptions { Epochs = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Epochs*");
        var clip = () => new MultiTaskTrainer(model, new TrainerOptions { GradientClipNorm = -1 });
        clip.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*GradientClipNorm*");
    }

    [Fact]
    public void Progress_IsReportedPerBatchAndPerEpoch()
    {
        var (train, _) = TrainingData.Encoded();
        var reports = new List<TrainingProgress>();
        new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 2, BatchSize = 40 })
            .Fit(train, progress: new SyncProgress(reports.Add));

        reports.Count(r => r.EpochRecord is not null).Should().Be(2);
        reports.Count(r => r.EpochRecord is null).Should().Be(2 * 4);
        reports[^1].EpochRecord!.Epoch.Should().Be(1);
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

/// <summary>A callback that runs test code at the hooks.</summary>
internal sealed class Probe : Callback
{
    public Action<TrainingContext>? BatchEnd { get; init; }

    public Action<TrainingContext>? EpochEnd { get; init; }

    public Func<CallbackState?>? State { get; init; }

    public override void OnBatchEnd(TrainingContext context) => BatchEnd?.Invoke(context);

    public override void OnEpochEnd(TrainingContext context) => EpochEnd?.Invoke(context);

    public override CallbackState? StateDict() => State?.Invoke();
}
