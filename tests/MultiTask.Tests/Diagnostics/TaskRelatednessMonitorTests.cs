using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Diagnostics;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Tests.Training;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Diagnostics;

public class TaskRelatednessMonitorTests
{
    private static readonly string[] Features = ["x1", "x2", "x3", "x4"];

    /// <summary>
    /// Tasks from four independent standard normal features: "same" and "copy" both predict x1 + x2, "opposed" predicts
    /// −(x1 + x2), "unrelated" predicts x3 − x4 (independent of the others' target).
    /// </summary>
    private static EncodedData Data(string[] tasks, int rows = 256, ulong seed = 5)
    {
        var g = new Generator(seed);
        var x = new double[rows][];
        var labels = tasks.ToDictionary(t => t, _ => new double[rows]);
        for (int n = 0; n < rows; n++)
        {
            x[n] = [g.NextNormal(), g.NextNormal(), g.NextNormal(), g.NextNormal()];
            double y = x[n][0] + x[n][1];
            foreach (var t in tasks)
                labels[t][n] = t switch { "opposed" => -y, "unrelated" => x[n][2] - x[n][3], _ => y };
        }
        var schema = new FeatureSchema().Numeric("x1").Numeric("x2").Numeric("x3").Numeric("x4");
        var data = MultiTaskDataset.FromArrays(schema, [.. tasks.Select(t => TaskSpec.Regression(t, Features))], x, Features, labels);
        return FeatureEncoder.Fit(data).Transform(data);
    }

    /// <summary>
    /// A hard-sharing model whose tasks all use one frozen copy of the first task's linear head, so that the tasks differ
    /// only by their targets and every difference between their shared gradients comes from the targets.
    /// </summary>
    private static HardSharingModel SameHeads(int width, string[] tasks)
    {
        var model = MultiTaskModel.HardSharing(width, [.. tasks.Select(t => (t, 1))], backbone: [16], generator: new Generator(3));
        var first = model.NamedTaskParameters(tasks[0]).Select(p => p.Value).ToList();
        foreach (var t in tasks)
        {
            var heads = model.NamedTaskParameters(t).Select(p => p.Value).ToList();
            for (int k = 0; k < heads.Count; k++) first[k].AsSpan().CopyTo(heads[k].AsSpan());
            model.FreezeTask(t);
        }
        return model;
    }

    private static TaskRelatedness Measure(string[] tasks, int epochs = 3, int rows = 256, int batchSize = 32)
    {
        var train = Data(tasks, rows);
        var monitor = new TaskRelatednessMonitor(every: 2, lookaheadLearningRate: 0.05);
        var report = new MultiTaskTrainer(SameHeads(train.Width, tasks), new TrainerOptions
        {
            Epochs = epochs, BatchSize = batchSize, Seed = 7, Optimizer = new SgdOptions { LearningRate = 0.01 }, Callbacks = [monitor],
        }).Fit(train);
        var result = report.Diagnostic<TaskRelatedness>();
        result.Should().NotBeNull().And.BeSameAs(monitor.Result);
        return result!;
    }

    [Fact]
    public void IdenticalTasks_HaveCosineOne_AndEqualPositiveAffinity()
    {
        var r = Measure(["same", "copy", "unrelated"]);
        r.Cosine["same", "copy"].Should().BeApproximately(1, 1e-5);
        r.ConflictFrequency["same", "copy"].Should().Be(0);
        r.Affinity!["same", "copy"].Should().BePositive();
        r.Affinity["same", "copy"].Should().BeApproximately(r.Affinity["copy", "same"], 1e-6);
        r.Affinity["same", "copy"].Should().BeApproximately(r.Affinity["same", "same"], 1e-6);
    }

    [Fact]
    public void UnrelatedTask_IsNearZero()
    {
        // Larger batches: on 32 rows the sample correlation of two independent targets alone moves the cosine by about 0.2.
        var r = Measure(["same", "unrelated"], rows: 1024, batchSize: 128);
        r.Cosine["same", "unrelated"].Should().BeInRange(-0.15, 0.15);
        // Its own step helps a task far more than the unrelated task's step does.
        Math.Abs(r.Affinity!["unrelated", "same"]).Should().BeLessThan(0.15 * r.Affinity["same", "same"]);
        Math.Abs(r.Affinity["same", "unrelated"]).Should().BeLessThan(0.15 * r.Affinity["unrelated", "unrelated"]);
    }

    [Fact]
    public void OpposedTasks_ConflictOnEveryStep_AndHurtEachOther()
    {
        var r = Measure(["same", "opposed"]);
        r.Cosine["same", "opposed"].Should().BeLessThan(-0.5);
        r.ConflictFrequency["same", "opposed"].Should().Be(1);
        r.ConflictFrequency["opposed", "same"].Should().Be(1);
        r.Affinity!["same", "opposed"].Should().BeNegative();
        r.Affinity["opposed", "same"].Should().BeNegative();
        r.Affinity["same", "same"].Should().BePositive();
    }

    [Fact]
    public void Matrices_AreSymmetric_WithUnitDiagonal_AndOneRecordPerEpoch()
    {
        var r = Measure(["same", "opposed", "unrelated"], epochs: 2);
        // 256 rows in batches of 32: 8 steps per epoch, every second one measured.
        r.SampledSteps.Should().Be(8);
        r.Epochs.Select(e => e.Epoch).Should().Equal(0, 1);
        r.Epochs.Select(e => e.SampledSteps).Should().Equal(4, 4);
        for (int i = 0; i < 3; i++)
        {
            r.Cosine[i, i].Should().BeApproximately(1, 1e-6);
            for (int j = 0; j < 3; j++)
            {
                r.Cosine[i, j].Should().Be(r.Cosine[j, i]);
                r.ConflictFrequency[i, j].Should().Be(r.ConflictFrequency[j, i]);
            }
        }
        // The run's mean is the mean of the two epochs' means, as each epoch measured as many steps.
        r.Cosine[0, 1].Should().BeApproximately((r.Epochs[0].Cosine[0, 1] + r.Epochs[1].Cosine[0, 1]) / 2, 1e-12);
        r.ToString().Should().Contain("gradient cosine").And.Contain("affinity").And.Contain("unrelated");
    }

    [Theory]
    [InlineData("equal")]
    [InlineData("pcgrad")]
    [InlineData("uncertainty")]
    public void TrainingWithTheMonitor_GivesBitIdenticalWeightsAndHistory(string name)
    {
        var (train, validation) = TrainingData.Encoded();
        (float[][] Weights, IReadOnlyList<EpochRecord> History) Run(bool monitored)
        {
            LossWeighting weighting = name switch
            {
                "equal" => new EqualWeighting(),
                "pcgrad" => new PCGrad(seed: 4),
                _ => new UncertaintyWeighting(),
            };
            // Dropout in the model: the monitor's extra forward passes must not draw from its generator.
            var model = MultiTaskModel.HardSharing(train.Width, [("a", 1), ("b", 1)], backbone: [16, 16],
                options: new MlpOptions { Dropout = 0.2f }, generator: new Generator(9));
            var options = new TrainerOptions
            {
                Epochs = 3, BatchSize = 16, Seed = 2, Weighting = weighting, Optimizer = new AdamOptions { LearningRate = 1e-2 },
                Callbacks = monitored ? [new TaskRelatednessMonitor(every: 1)] : [],
            };
            var report = new MultiTaskTrainer(model, options).Fit(train, validation);
            if (monitored) report.Diagnostic<TaskRelatedness>()!.SampledSteps.Should().BeGreaterThan(0);
            else report.Diagnostics.Should().BeEmpty();
            return (TrainingData.Weights(model), report.History);
        }

        var plain = Run(false);
        var monitored = Run(true);
        monitored.Weights.Should().HaveSameCount(plain.Weights);
        for (int k = 0; k < plain.Weights.Length; k++) monitored.Weights[k].Should().Equal(plain.Weights[k]);
        for (int e = 0; e < plain.History.Count; e++)
            monitored.History[e].Values.Should().Equal(plain.History[e].Values);
    }

    [Fact]
    public void Monitor_RejectsABadInterval_AndSuggestGroupsNeedsAffinity()
    {
        FluentActions.Invoking(() => new TaskRelatednessMonitor(every: 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new TaskRelatednessMonitor(lookaheadLearningRate: -1)).Should().Throw<ArgumentOutOfRangeException>();
        var train = Data(["same", "opposed"]);
        var monitor = new TaskRelatednessMonitor(every: 4, measureAffinity: false);
        new MultiTaskTrainer(SameHeads(train.Width, ["same", "opposed"]), new TrainerOptions { Epochs = 1, Callbacks = [monitor] }).Fit(train);
        monitor.Result!.Affinity.Should().BeNull();
        monitor.Result.Invoking(r => r.SuggestGroups(1)).Should().Throw<InvalidOperationException>().WithMessage("*measureAffinity*");
    }
}
