using FluentAssertions;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Training;

public sealed class ParameterGroupTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "multitask-groups-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Groups_AreTheDefaultGroupThenOnePerEntry_FirstMatchWins()
    {
        var (train, _) = TrainingData.Encoded();
        var model = TrainingData.Model(train.Width);
        var trainer = new MultiTaskTrainer(model, new TrainerOptions
        {
            Optimizer = new AdamOptions { LearningRate = 1e-3, WeightDecay = 0.01 },
            Weighting = new UncertaintyWeighting(),
            ParameterGroups =
            [
                new ParameterGroupOptions("heads.a") { LearningRate = 0.5 },
                new ParameterGroupOptions(ParameterRole.Task) { WeightDecay = 0.1 },
                new ParameterGroupOptions(ParameterRole.Weighting) { LearningRate = 0.2, WeightDecay = 0 },
            ],
        });

        var groups = trainer.Optimizer.ParamGroups;
        groups.Should().HaveCount(4);
        groups[0].Parameters.Should().Equal(model.SharedParameters().Cast<Tensor>());
        groups[1].Parameters.Should().Equal(model.TaskParameters("a").Cast<Tensor>());
        groups[2].Parameters.Should().Equal(model.TaskParameters("b").Cast<Tensor>(), "task a's parameters went to the first matching entry");
        groups[3].Parameters.Should().Equal([((UncertaintyWeighting)trainer.Options.Weighting).LogVariances]);
        (groups[0].LearningRate, groups[0].WeightDecay).Should().Be((1e-3, 0.01));
        (groups[1].LearningRate, groups[1].WeightDecay).Should().Be((0.5, 0.01));
        (groups[2].LearningRate, groups[2].WeightDecay).Should().Be((1e-3, 0.1));
        (groups[3].LearningRate, groups[3].WeightDecay).Should().Be((0.2, 0.0));
    }

    [Fact]
    public void WeightDecayOfOneRole_ReachesOnlyItsParameters()
    {
        // One full-batch SGD step from the same weights: p ← p − lr·(g + wd·p) for the task parameters,
        // p ← p − lr·g for the rest. So the shared parameters match the run without decay bit for bit, and
        // each task parameter is lower by exactly lr·wd·p₀.
        const double Lr = 0.1, Wd = 0.5;
        var (train, _) = TrainingData.Encoded();
        float[][] Run(bool decay, out MultiTaskTrainer trainer)
        {
            var model = TrainingData.Model(train.Width, seed: 3);
            trainer = new MultiTaskTrainer(model, new TrainerOptions
            {
                Epochs = 1, BatchSize = TrainerOptions.FullBatch,
                Optimizer = new SgdOptions { LearningRate = Lr },
                ParameterGroups = decay ? [new ParameterGroupOptions(ParameterRole.Task) { WeightDecay = Wd }] : [],
            });
            trainer.Fit(train);
            return TrainingData.Weights(model);
        }
        var initial = TrainingData.Weights(TrainingData.Model(train.Width, seed: 3));
        var plain = Run(false, out _);
        var decayed = Run(true, out var decayedTrainer);

        var model = decayedTrainer.Model;
        var names = model.NamedParameters().Select(p => p.Key).ToArray();
        var taskNames = model.TaskNames.SelectMany(t => model.NamedTaskParameters(t).Select(p => p.Key)).ToHashSet();
        for (int i = 0; i < names.Length; i++)
        {
            if (!taskNames.Contains(names[i]))
            {
                decayed[i].Should().Equal(plain[i], names[i]);
                continue;
            }
            for (int j = 0; j < initial[i].Length; j++)
                ((double)decayed[i][j]).Should().BeApproximately(plain[i][j] - Lr * Wd * initial[i][j], 1e-6, $"{names[i]}[{j}]");
            decayed[i].Should().NotEqual(plain[i], names[i]);
        }
    }

    [Fact]
    public void LearningRateOfZero_FreezesOnlyItsGroup()
    {
        var (train, _) = TrainingData.Encoded();
        var model = TrainingData.Model(train.Width);
        var before = TrainingData.Weights(model);
        new MultiTaskTrainer(model, new TrainerOptions
        {
            Epochs = 2, ParameterGroups = [new ParameterGroupOptions("backbone") { LearningRate = 0 }],
        }).Fit(train);

        var after = TrainingData.Weights(model);
        var names = model.NamedParameters().Select(p => p.Key).ToArray();
        for (int i = 0; i < names.Length; i++)
        {
            if (names[i].StartsWith("backbone.", StringComparison.Ordinal)) after[i].Should().Equal(before[i], names[i]);
            else after[i].Should().NotEqual(before[i], names[i]);
        }
    }

    [Fact]
    public void Scheduler_ScalesEachGroupFromItsOwnRate()
    {
        var (train, _) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions
        {
            Epochs = 2,
            Optimizer = new AdamOptions { LearningRate = 1e-3 },
            ParameterGroups = [new ParameterGroupOptions(ParameterRole.Shared) { LearningRate = 0.04 }],
            Callbacks = [new LearningRateScheduler(o => new StepLR(o, stepSize: 1, gamma: 0.5))],
        });
        var report = trainer.Fit(train);

        trainer.Optimizer.ParamGroups[0].LearningRate.Should().BeApproximately(1e-3 / 4, 1e-15);
        trainer.Optimizer.ParamGroups[1].LearningRate.Should().BeApproximately(0.04 / 4, 1e-15);
        report.History[1]["lr"].Should().BeApproximately(1e-3 / 2, 1e-15, "the record reports the default group's rate");
    }

    [Fact]
    public void Resume_WithGroupsAndASchedule_IsBitIdentical()
    {
        var (train, validation) = TrainingData.Encoded();
        TrainerOptions Options(int epochs, string checkpoint) => new()
        {
            Epochs = epochs, BatchSize = 16, Seed = 4,
            Optimizer = new AdamWOptions { LearningRate = 5e-3, WeightDecay = 1e-3 },
            Weighting = new UncertaintyWeighting(),
            ParameterGroups =
            [
                new ParameterGroupOptions(ParameterRole.Task, "b") { LearningRate = 1e-2, WeightDecay = 0.1 },
                new ParameterGroupOptions(ParameterRole.Weighting) { WeightDecay = 0 },
            ],
            Callbacks = [new LearningRateScheduler(o => new StepLR(o, stepSize: 1, gamma: 0.8)), new ModelCheckpoint(checkpoint)],
        };
        var straightModel = TrainingData.Model(train.Width, seed: 1);
        var straight = new MultiTaskTrainer(straightModel, Options(4, Path.Combine(_root, "straight"))).Fit(train, validation);
        string half = Path.Combine(_root, "half");
        new MultiTaskTrainer(TrainingData.Model(train.Width, seed: 1), Options(2, half)).Fit(train, validation);
        var resumedModel = TrainingData.Model(train.Width, seed: 50);
        var resumedTrainer = new MultiTaskTrainer(resumedModel, Options(4, Path.Combine(_root, "resumed")));
        var resumed = resumedTrainer.Fit(train, validation, resumeFrom: half);

        for (int e = 0; e < 4; e++) resumed.History[e].Values.Should().Equal(straight.History[e].Values, $"epoch {e}");
        TrainingData.Weights(resumedModel).Should().BeEquivalentTo(TrainingData.Weights(straightModel), o => o.WithStrictOrdering());
        resumedTrainer.Optimizer.ParamGroups[1].LearningRate.Should().BeApproximately(1e-2 * Math.Pow(0.8, 4), 1e-12);
    }

    [Fact]
    public void BadSelections_FailWithTheChoices()
    {
        var (train, _) = TrainingData.Encoded();
        var model = TrainingData.Model(train.Width);
        FluentActions.Invoking(() => new MultiTaskTrainer(model, new TrainerOptions { ParameterGroups = [new ParameterGroupOptions("trunk")] }))
            .Should().Throw<ArgumentException>().WithMessage("*'trunk'*backbone*heads.a*");
        FluentActions.Invoking(() => new MultiTaskTrainer(model, new TrainerOptions { ParameterGroups = [new ParameterGroupOptions(ParameterRole.Task, "c")] }))
            .Should().Throw<ArgumentException>().WithMessage("*'c'*'a', 'b'*");
        FluentActions.Invoking(() => new MultiTaskTrainer(model, new TrainerOptions { ParameterGroups = [new ParameterGroupOptions(ParameterRole.Weighting)] }))
            .Should().Throw<ArgumentException>().WithMessage("*EqualWeighting learns no weights*");
        FluentActions.Invoking(() => new MultiTaskTrainer(model, new TrainerOptions { ParameterGroups = [new ParameterGroupOptions(ParameterRole.Shared) { LearningRate = -1 }] }))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*ParameterGroups[0]*learning rate -1*");
        FluentActions.Invoking(() => new ParameterGroupOptions(ParameterRole.Shared, "a"))
            .Should().Throw<ArgumentException>().WithMessage("*ParameterRole.Task*");
    }
}
