using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Continual;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tests.Transfer;
using MultiTask.Training;

namespace MultiTask.Tests.Continual;

public class SequentialTrainingTests
{
    // Stage 0 learns a = 2·x1 − x2, stage 1 learns c = x1 − x3 on the same backbone, with an encoder grown by WithTasks.
    private static (HardSharingModel Model, ContinualStage[] Stages) Setup()
    {
        var train0 = TransferData.Dataset(["a"], ["a"], 120, seed: 1);
        var encoder0 = FeatureEncoder.Fit(train0);
        var train1 = TransferData.Dataset(["a", "c"], ["c"], 120, seed: 2);
        var encoder1 = encoder0.WithTasks(train1);
        var stages = new[]
        {
            new ContinualStage("a", encoder0.Transform(train0), encoder0.Transform(TransferData.Dataset(["a"], ["a"], 60, seed: 3))),
            new ContinualStage("c", encoder1.Transform(train1), encoder1.Transform(TransferData.Dataset(["a", "c"], ["c"], 60, seed: 4))),
        };
        return (MultiTaskModel.HardSharing(encoder1, backbone: [8], generator: new Generator(1)), stages);
    }

    private static ContinualOptions Options() => new()
    {
        StageOptions = s => new TrainerOptions { Epochs = 30, BatchSize = 16, Seed = (ulong)s, Optimizer = new AdamOptions { LearningRate = 1e-2 } },
    };

    [Fact]
    public void Naive_ResultsMatrixHoldsEachTasksTestRmseAfterEachStage()
    {
        var (model, stages) = Setup();
        var headA = TransferData.Snapshot(model.Head("a"));

        var report = SequentialTraining.Fit(model, stages, Options());

        var r = report.Results;
        r.Tasks.Should().Equal("a", "c");
        r.StageCount.Should().Be(2);
        double.IsNaN(r[0, "c"]).Should().BeTrue();
        r[1, "a"].Should().Be(new MultiTaskTrainer(model.ForTasks(["a"])).Evaluate(stages[0].Test)["a"]["rmse"]);
        r[1, "c"].Should().Be(new MultiTaskTrainer(model.ForTasks(["c"])).Evaluate(stages[1].Test)["c"]["rmse"]);
        r.BackwardTransfer.Should().Be(r[0, "a"] - r[1, "a"]);
        // Stage 1 never touched a's head: whatever a lost, it lost through the shared backbone.
        TransferData.Snapshot(model.Head("a")).Should().NotBeEquivalentTo(headA, "stage 0 trained it");
        report.Stages.Should().HaveCount(2);
        report.Ewc.Should().BeNull();
        report.Replay.Should().BeNull();
    }

    [Fact]
    public void Ewc_KeepsTheFirstTaskWhereNaiveTrainingForgetsIt()
    {
        var (naiveModel, stages) = Setup();
        var naive = SequentialTraining.Fit(naiveModel, stages, Options()).Results;
        var (ewcModel, same) = Setup();

        var report = SequentialTraining.Fit(ewcModel, same, Options() with { EwcStrength = 1e4 });

        naive.BackwardTransfer.Should().BeLessThan(-0.05, "the backbone moved for c");
        report.Results[0, "a"].Should().Be(naive[0, "a"], "stage 0 is the same run");
        report.Results.BackwardTransfer.Should().BeGreaterThan(naive.BackwardTransfer / 4);
        report.Ewc!.Consolidated.Select(c => c.Task).Should().Equal("a", "c");
    }

    [Fact]
    public void Replay_TrainsTheEarlierHeadOnTheBufferedRows()
    {
        var (model, stages) = Setup();
        var afterStage0 = (Dictionary<string, float[]>?)null;
        var options = Options() with
        {
            ReplayCapacity = 30, ReplaySeed = 4,
            StageOptions = s => new TrainerOptions
            {
                Epochs = 30, BatchSize = 16, Seed = (ulong)s, Optimizer = new AdamOptions { LearningRate = 1e-2 },
                Callbacks = s == 1 ? [new MultiTask.Tests.Training.Probe { EpochEnd = c => { if (c.Epoch == 0) afterStage0 ??= TransferData.Snapshot(model.Head("a")); } }] : [],
            },
        };

        var report = SequentialTraining.Fit(model, stages, options);

        report.Replay!.Count.Should().Be(30);
        report.Replay.Seen.Should().Be(120 + 120);
        report.Stages[1].History[0].Values.Keys.Should().Contain(["loss.a", "loss.c"]);
        TransferData.Snapshot(model.Head("a")).Should().NotBeEquivalentTo(afterStage0);
    }

    [Fact]
    public void BadStages_AreRefused()
    {
        var (model, stages) = Setup();

        var repeated = () => SequentialTraining.Fit(model, [stages[0], stages[0]], Options());
        repeated.Should().Throw<ArgumentException>().WithMessage("*'a' is trained in stage 0 and again in stage 1*");
        var unknown = () => SequentialTraining.Fit(model.ForTasks(["a"]), stages, Options());
        unknown.Should().Throw<ArgumentException>().WithMessage("*task 'c', which the model lacks*");
        var metric = () => SequentialTraining.Fit(model, stages, Options() with { Metric = "accuracy" });
        metric.Should().Throw<ArgumentException>().WithMessage("*does not report metric 'accuracy'*");
        var regularized = () => SequentialTraining.Fit(model, stages, Options() with
        {
            EwcStrength = 1, StageOptions = _ => new TrainerOptions { Epochs = 1, Regularization = Regularization.L2(1e-3) },
        });
        regularized.Should().Throw<ArgumentException>().WithMessage("*own Regularization*");
    }
}
