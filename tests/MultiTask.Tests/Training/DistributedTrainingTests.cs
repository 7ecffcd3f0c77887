using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Training;

/// <summary>
/// Data-parallel training on <see cref="ThreadProcessGroup"/> ranks against one process on the same global batches.
/// The ranks add their shards in another order than one process adds the whole batch, so the models agree to
/// rounding (<see cref="Tolerance"/>), while the ranks' models are bit-identical to each other.
/// </summary>
public sealed class DistributedTrainingTests : IDisposable
{
    /// <summary>Largest difference allowed between a parameter trained on N ranks and in one process, after 3 epochs of Adam (lr 1e-2).</summary>
    private const float Tolerance = 2e-5f;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "multitask-distributed-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static LossWeighting Weighting(string method) => method switch
    {
        "equal" => new EqualWeighting(),
        "uncertainty" => new UncertaintyWeighting(),
        "pcgrad" => new PCGrad(seed: 3),
        "mgda" => new Mgda(),
        "dwa" => new DynamicWeightAverage(),
        _ => throw new ArgumentException(method),
    };

    private static TrainerOptions Options(string method, ProcessGroup? group, int epochs = 3, TaskSampler? sampler = null,
        IReadOnlyList<Callback>? callbacks = null, ulong seed = 5) => new()
    {
        Epochs = epochs, BatchSize = 32, Seed = seed, Sampler = sampler, MaxThreads = 1,
        Optimizer = new AdamOptions { LearningRate = 1e-2 },
        Weighting = Weighting(method),
        Regularization = Regularization.L2(1e-4),
        ProcessGroup = group,
        Callbacks = callbacks ?? [],
    };

    private static (float[][] Weights, TrainingReport Report) Single(string method, int rows, TaskSampler? sampler = null)
    {
        var (train, validation) = TrainingData.Encoded(trainRows: rows);
        var model = TrainingData.Model(train.Encoder.Width, seed: 1);
        var report = new MultiTaskTrainer(model, Options(method, null, sampler: sampler)).Fit(train, validation);
        return (TrainingData.Weights(model), report);
    }

    private static (float[][] Weights, TrainingReport Report)[] Ranks(int size, string method, int rows, Func<TaskSampler>? sampler = null) =>
        ThreadProcessGroup.Run(size, group =>
        {
            var (train, validation) = TrainingData.Encoded(trainRows: rows);
            // Each rank starts from other weights: the trainer gives every rank rank 0's before the first step.
            var model = TrainingData.Model(train.Encoder.Width, seed: 1 + (ulong)group.Rank);
            var report = new MultiTaskTrainer(model, Options(method, group, sampler: sampler?.Invoke())).Fit(train, validation);
            return (TrainingData.Weights(model), report);
        });

    private static void ShouldMatch(float[][] actual, float[][] expected, float tolerance)
    {
        actual.Length.Should().Be(expected.Length);
        for (int p = 0; p < expected.Length; p++)
        {
            for (int i = 0; i < expected[p].Length; i++)
                Math.Abs(actual[p][i] - expected[p][i]).Should().BeLessThanOrEqualTo(tolerance, $"parameter {p}[{i}]");
        }
    }

    [Theory]
    [InlineData("equal", 2, 160)]
    [InlineData("equal", 3, 160)]
    // 161 rows in batches of 32: the last global batch has one row, so rank 1's shard is empty.
    [InlineData("equal", 2, 161)]
    [InlineData("uncertainty", 2, 160)]
    [InlineData("uncertainty", 3, 161)]
    [InlineData("dwa", 2, 160)]
    [InlineData("pcgrad", 2, 160)]
    [InlineData("pcgrad", 3, 161)]
    [InlineData("mgda", 2, 160)]
    public void RanksTrainTheModelOneProcessTrainsOnTheGlobalBatches(string method, int ranks, int rows)
    {
        var single = Single(method, rows);
        var distributed = Ranks(ranks, method, rows);

        foreach (var rank in distributed)
        {
            rank.Weights.Should().BeEquivalentTo(distributed[0].Weights, o => o.WithStrictOrdering(), "every rank applies the same reduced step");
            rank.Report.History.Should().HaveCount(3);
        }
        ShouldMatch(distributed[0].Weights, single.Weights, Tolerance);
        for (int e = 0; e < 3; e++)
        {
            var expected = single.Report.History[e].Values;
            var actual = distributed[0].Report.History[e].Values;
            actual.Keys.Should().BeEquivalentTo(expected.Keys);
            foreach (var (key, value) in expected)
                actual[key].Should().BeApproximately(value, 1e-4 * Math.Max(1, Math.Abs(value)), key);
        }
    }

    [Fact]
    public void PerTaskBatchesDrawTheSameTasksOnEveryRank()
    {
        var single = Single("uncertainty", 160, new UniformTaskSampler());
        var distributed = Ranks(2, "uncertainty", 160, () => new UniformTaskSampler());
        distributed[1].Weights.Should().BeEquivalentTo(distributed[0].Weights, o => o.WithStrictOrdering());
        ShouldMatch(distributed[0].Weights, single.Weights, Tolerance);
    }

    [Fact]
    public void RepeatedRunsAreBitIdentical()
    {
        var first = Ranks(2, "pcgrad", 161);
        var second = Ranks(2, "pcgrad", 161);
        second[0].Weights.Should().BeEquivalentTo(first[0].Weights, o => o.WithStrictOrdering());
    }

    [Fact]
    public void OnlyRankZeroWritesCheckpointsAndEveryRankResumesFromThem()
    {
        var (train, validation) = TrainingData.Encoded();
        var uninterrupted = TrainingData.Model(train.Encoder.Width, seed: 1);
        new MultiTaskTrainer(uninterrupted, Options("uncertainty", null, epochs: 4)).Fit(train, validation);

        ThreadProcessGroup.Run(2, group =>
        {
            var model = TrainingData.Model(train.Encoder.Width, seed: 1);
            var checkpoint = Path.Combine(_root, $"rank{group.Rank}");
            return new MultiTaskTrainer(model, Options("uncertainty", group, epochs: 2, callbacks: [new ModelCheckpoint(checkpoint)])).Fit(train, validation);
        });
        File.Exists(Path.Combine(_root, "rank0", MultiTaskTrainer.TrainerFileName)).Should().BeTrue();
        Directory.Exists(Path.Combine(_root, "rank1")).Should().BeFalse("only rank 0 writes");

        var resumed = ThreadProcessGroup.Run(2, group =>
        {
            var model = TrainingData.Model(train.Encoder.Width, seed: 7);
            var checkpoint = Path.Combine(_root, $"rank{group.Rank}");
            var report = new MultiTaskTrainer(model, Options("uncertainty", group, epochs: 4, callbacks: [new ModelCheckpoint(checkpoint)]))
                .Fit(train, validation, resumeFrom: Path.Combine(_root, "rank0"));
            report.History.Should().HaveCount(4);
            return TrainingData.Weights(model);
        });
        resumed[1].Should().BeEquivalentTo(resumed[0], o => o.WithStrictOrdering());
        ShouldMatch(resumed[0], TrainingData.Weights(uninterrupted), Tolerance);
    }

    [Fact]
    public void ACancellationOnOneRankStopsEveryRankAtTheSameStep()
    {
        var (train, validation) = TrainingData.Encoded();
        var results = ThreadProcessGroup.Run(2, group =>
        {
            using var cancellation = new CancellationTokenSource();
            var model = TrainingData.Model(train.Encoder.Width, seed: 1);
            var cancel = new CancelAt(group.Rank == 1 ? 7 : -1, cancellation);
            var report = new MultiTaskTrainer(model, Options("equal", group, epochs: 5, callbacks: [cancel])).Fit(train, validation, cancellationToken: cancellation.Token);
            return (report.StopReason, cancel.Steps, Weights: TrainingData.Weights(model));
        });
        results.Should().AllSatisfy(r => r.StopReason.Should().Be(TrainingStopReason.Cancelled));
        results[0].Steps.Should().Be(results[1].Steps).And.BeLessThan(25, "training stopped early, not after all 5 epochs");
        results[1].Weights.Should().BeEquivalentTo(results[0].Weights, o => o.WithStrictOrdering());
    }

    /// <summary>Counts the steps and cancels a token after a given step (on one rank only).</summary>
    private sealed class CancelAt(long step, CancellationTokenSource cancellation) : Callback
    {
        public int Steps { get; private set; }

        public override void OnBatchEnd(TrainingContext context)
        {
            Steps++;
            if (context.GlobalStep == step) cancellation.Cancel();
        }
    }

    [Fact]
    public void RanksWithAnotherSeedAreRefusedOnEveryRank()
    {
        var (train, _) = TrainingData.Encoded();
        var errors = ThreadProcessGroup.Failures(2, group =>
        {
            var model = TrainingData.Model(train.Encoder.Width, seed: 1);
            new MultiTaskTrainer(model, Options("equal", group, seed: 5 + (ulong)group.Rank)).Fit(train);
        });
        errors.Should().AllSatisfy(e => e.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain("seed"));
    }

    [Fact]
    public void OneProcessGroupIsOneProcess()
    {
        var (train, validation) = TrainingData.Encoded();
        var plain = TrainingData.Model(train.Encoder.Width, seed: 1);
        new MultiTaskTrainer(plain, Options("pcgrad", null)).Fit(train, validation);
        var grouped = TrainingData.Model(train.Encoder.Width, seed: 1);
        new MultiTaskTrainer(grouped, Options("pcgrad", ProcessGroup.Single)).Fit(train, validation);
        TrainingData.Weights(grouped).Should().BeEquivalentTo(TrainingData.Weights(plain), o => o.WithStrictOrdering());
    }

    [Fact]
    public void GroupDroIsRefusedWithSeveralProcesses()
    {
        var act = () => ThreadProcessGroup.Failures(2, group => (Options("equal", group) with { GroupDro = new GroupDro() }).Validate());
        act().Should().AllSatisfy(e => e.Should().BeOfType<ArgumentException>().Which.Message.Should().Contain("GroupDro"));
    }
}
