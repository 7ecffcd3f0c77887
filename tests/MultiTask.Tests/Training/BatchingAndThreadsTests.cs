using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Training;

namespace MultiTask.Tests.Training;

public class BatchingAndThreadsTests
{
    [Fact]
    public void FullBatch_TakesOneStepPerEpoch_OnAllRows()
    {
        var (train, _) = TrainingData.Encoded();
        var full = TrainingData.Model(train.Width);
        var asLarge = TrainingData.Model(train.Width);
        var report = new MultiTaskTrainer(full, new TrainerOptions { Epochs = 3, BatchSize = TrainerOptions.FullBatch, Seed = 2 }).Fit(train);
        new MultiTaskTrainer(asLarge, new TrainerOptions { Epochs = 3, BatchSize = train.RowCount, Seed = 2 }).Fit(train);

        report.History.Should().OnlyContain(r => r["steps"] == 1);
        TrainingData.Weights(full).Should().BeEquivalentTo(TrainingData.Weights(asLarge), o => o.WithStrictOrdering());
    }

    [Fact]
    public void FullBatch_WithPerTaskBatches_IsRejected()
    {
        var options = new TrainerOptions { BatchSize = TrainerOptions.FullBatch, Sampler = TaskSampler.Temperature(2) };
        options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().WithMessage("*FullBatch*Sampler = null*");
    }

    [Fact]
    public void MaxThreads_HoldsDuringFit_AndIsRestoredAfterwards()
    {
        var (train, validation) = TrainingData.Encoded(trainRows: 40, validationRows: 20);
        int before = EngineOptions.MaxThreads;
        EngineOptions.MaxThreads = 5;
        try
        {
            var seen = new ObservingCallback();
            new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 2, MaxThreads = 1, Callbacks = [seen] }).Fit(train, validation);
            seen.Observed.Should().Equal(1, 1, 1);
            EngineOptions.MaxThreads.Should().Be(5);

            // Null keeps the engine's setting of the calling thread.
            var unchanged = new ObservingCallback();
            new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 1, Callbacks = [unchanged] }).Fit(train);
            unchanged.Observed.Should().Equal(5, 5);
        }
        finally
        {
            EngineOptions.MaxThreads = before;
        }
        FluentActions.Invoking(() => EngineOptions.MaxThreads = 0).Should().Throw<ArgumentOutOfRangeException>();
        new TrainerOptions { MaxThreads = 0 }.Invoking(o => o.Validate()).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxThreads*");
    }

    [Fact]
    public void EngineMaxThreads_IsPerThread()
    {
        int outer = EngineOptions.MaxThreads;
        int inner = 0;
        EngineOptions.MaxThreads = 1;
        try
        {
            var thread = new Thread(() => inner = EngineOptions.MaxThreads);
            thread.Start();
            thread.Join();
        }
        finally
        {
            EngineOptions.MaxThreads = outer;
        }
        inner.Should().Be(Environment.ProcessorCount);
    }

    [Fact]
    public void MaxThreads_DoesNotChangeAProduct()
    {
        // 2·257·300·263 ≈ 40 million flops: above the threshold at which a product is split across threads.
        var g = new Generator(5);
        var a = Tensor.Randn(g, 257, 300);
        var b = Tensor.Randn(g, 300, 263);
        int before = EngineOptions.MaxThreads;
        try
        {
            EngineOptions.MaxThreads = 1;
            var one = a.MatMul(b).ToArray();
            EngineOptions.MaxThreads = 3;
            a.MatMul(b).ToArray().Should().Equal(one);
        }
        finally
        {
            EngineOptions.MaxThreads = before;
        }
    }

    private sealed class ObservingCallback : Callback
    {
        public List<int> Observed { get; } = [];

        public override void OnTrainBegin(TrainingContext context) => Observed.Add(EngineOptions.MaxThreads);

        public override void OnEpochEnd(TrainingContext context) => Observed.Add(EngineOptions.MaxThreads);
    }
}
