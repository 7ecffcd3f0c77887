using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Tests.Training;
using MultiTask.Training;
using MultiTask.Transfer;

namespace MultiTask.Tests.Transfer;

public class FineTuningTests
{
    [Fact]
    public void StageOne_LeavesTheSourceBitIdentical_WhileTheNewHeadTrains_ThenStageTwoMovesTheBackboneOnly()
    {
        var (source, encoder, _) = TransferData.Source();
        var before = TransferData.Snapshot(source);
        var train = TransferData.Dataset(["a", "b", "c"], ["c"], 40, seed: 5);
        var transferred = TransferLearning.AddTasks(source, encoder, train, new TransferOptions { ZeroOutputLayer = false }, new Generator(2));
        var newHead = TransferData.Snapshot(transferred.Model.Head("c"));
        Dictionary<string, float[]>? afterStageOne = null;
        Dictionary<string, float[]>? headAfterStageOne = null;
        var options = new TrainerOptions
        {
            BatchSize = 8, Seed = 3, Optimizer = new AdamOptions { LearningRate = 1e-2, WeightDecay = 0.1 },
            Callbacks = [new Probe { EpochEnd = c =>
            {
                if (c.Epoch != 3) return;
                afterStageOne = TransferData.Snapshot(source);
                headAfterStageOne = TransferData.Snapshot(transferred.Model.Head("c"));
            } }],
        };

        FineTuning.Fit(transferred.NewTasksModel, transferred.Encoder.Transform(train), null, options,
            new FineTuningOptions { FrozenEpochs = 4, UnfrozenEpochs = 2 });

        // Stage 1: with weight decay and momentum in play, nothing of the source moves, to the bit.
        afterStageOne.Should().BeEquivalentTo(before, o => o.WithStrictOrdering());
        headAfterStageOne!["0.weight"].Should().NotEqual(newHead["0.weight"]);
        // Stage 2: the backbone moves; the old heads, outside the fine-tuned model, still do not.
        var after = TransferData.Snapshot(source);
        after["backbone.0.weight"].Should().NotEqual(before["backbone.0.weight"]);
        after["heads.a.0.weight"].Should().Equal(before["heads.a.0.weight"]);
        after["heads.b.0.bias"].Should().Equal(before["heads.b.0.bias"]);
    }

    [Fact]
    public void StageTwo_TrainsTheSharedParametersAtTheLowerRate_AsAHandComputedStep()
    {
        // y = v·(w·x + b) + c: backbone Linear(2 → 1) (w, b shared), head Linear(1 → 1) (v, c). One full-batch SGD step per epoch.
        var schema = new FeatureSchema().Numeric("x1").Numeric("x2");
        double[][] x = [[1, 2], [0.5, -1], [-1.5, 0.3], [2, 1], [0, -0.7], [-0.4, 1.1]];
        double[] y = [1, -0.5, 0.2, 2.5, -1, 0.4];
        var data = MultiTaskDataset.FromArrays(schema, [TaskSpec.Regression("y", ["x1", "x2"])], x, ["x1", "x2"], new Dictionary<string, double[]> { ["y"] = y });
        var encoder = FeatureEncoder.Fit(data);
        var train = encoder.Transform(data);
        var backbone = new Linear(2, 1, generator: new Generator(4));
        var head = new Linear(1, 1, generator: new Generator(5));
        var model = new HardSharingModel(backbone, 1, [("y", 1, head)], inputSize: 2);
        float[]? stageOne = null;
        const double Rate = 0.1, Factor = 0.1;
        var trainer = FineTuning.CreateTrainer(model, new TrainerOptions
        {
            BatchSize = TrainerOptions.FullBatch, Optimizer = new SgdOptions { LearningRate = Rate },
            Callbacks = [new Probe { EpochEnd = c => { if (c.Epoch == 0) stageOne = Flat(); } }],
        }, new FineTuningOptions { FrozenEpochs = 1, UnfrozenEpochs = 1, SharedLearningRateFactor = Factor });
        float[] start = Flat();

        trainer.Fit(train);

        trainer.Optimizer.ParamGroups[1].LearningRate.Should().Be(Rate * Factor);
        // Stage 1: only the head steps, at the full rate.
        var g0 = Gradient(start, train);
        stageOne![0].Should().Be(start[0]);
        stageOne[1].Should().Be(start[1]);
        stageOne[2].Should().Be(start[2]);
        stageOne[3].Should().BeApproximately((float)(start[3] - Rate * g0[3]), 1e-6f);
        stageOne[4].Should().BeApproximately((float)(start[4] - Rate * g0[4]), 1e-6f);
        // Stage 2: the backbone at rate × factor, the head at the rate.
        var g1 = Gradient(stageOne, train);
        var end = Flat();
        for (int i = 0; i < 3; i++) end[i].Should().BeApproximately((float)(stageOne[i] - Rate * Factor * g1[i]), 1e-6f, $"shared parameter {i}");
        for (int i = 3; i < 5; i++) end[i].Should().BeApproximately((float)(stageOne[i] - Rate * g1[i]), 1e-6f, $"head parameter {i}");
        // The steps are not trivially small: the rates are told apart.
        Math.Abs(Rate * g1[0]).Should().BeGreaterThan(1e-3);

        float[] Flat() => [.. backbone.Weight.ToArray(), .. backbone.Bias!.ToArray(), .. head.Weight.ToArray(), .. head.Bias!.ToArray()];
    }

    /// <summary>∂L/∂(w1, w2, b, v, c) of L = mean (v·(w·x + b) + c − y)², by hand.</summary>
    private static double[] Gradient(float[] p, EncodedData data)
    {
        var x = data.Features.ToArray();
        var y = data.Targets(0).ToArray();
        int n = data.RowCount;
        var g = new double[5];
        for (int i = 0; i < n; i++)
        {
            double z = p[0] * x[2 * i] + p[1] * x[2 * i + 1] + p[2];
            double r = 2 * (p[3] * z + p[4] - y[i]) / n;
            g[0] += r * p[3] * x[2 * i];
            g[1] += r * p[3] * x[2 * i + 1];
            g[2] += r * p[3];
            g[3] += r * z;
            g[4] += r;
        }
        return g;
    }

    [Fact]
    public void UnfreezeShared_SetsTheStageFromTheEpochAlone()
    {
        var (source, encoder, train) = TransferData.Source();
        var callback = new UnfreezeShared(epoch: 2);
        var states = new List<bool>();
        var trainer = new MultiTaskTrainer(source, new TrainerOptions
        {
            Epochs = 4, Callbacks = [callback, new Probe { BatchEnd = c => { if (c.LastBatch!.Batch == 0) states.Add(c.Model.SharedParameters().All(p => p.RequiresGrad)); } }],
        });

        trainer.Fit(encoder.Transform(train));

        states.Should().Equal(false, false, true, true);
        var negative = () => new UnfreezeShared(-1);
        negative.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void CreateTrainer_InvalidSettings_AreRefused()
    {
        var (source, encoder, _) = TransferData.Source();
        var soft = MultiTaskModel.SoftSharing(encoder, hidden: [4], generator: new Generator(1));

        var noShared = () => FineTuning.CreateTrainer(soft, new TrainerOptions());
        noShared.Should().Throw<ArgumentException>().WithMessage("*SoftSharingModel has none*");
        var noEpochs = () => FineTuning.CreateTrainer(source, new TrainerOptions(), new FineTuningOptions { FrozenEpochs = 0, UnfrozenEpochs = 0 });
        noEpochs.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*at least one epoch*");
        var badFactor = () => FineTuning.CreateTrainer(source, new TrainerOptions(), new FineTuningOptions { SharedLearningRateFactor = double.NaN });
        badFactor.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*SharedLearningRateFactor*");
    }
}
