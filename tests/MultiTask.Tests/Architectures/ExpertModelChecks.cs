using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tests.Training;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Architectures;

/// <summary>Checks that every expert model (MMoE, CGC, PLE, with either gate) must pass.</summary>
internal static class ExpertModelChecks
{
    public static Tensor Inputs(int rows, int features, ulong seed = 5) => Tensor.Randn(new Generator(seed), rows, features);

    /// <summary>Tanh hidden layers: no dead units, so every parameter a task reaches gets a non-zero gradient.</summary>
    public static MlpOptions Smooth => new() { Activation = () => new Tanh() };

    /// <summary>
    /// The partition is honest: task t's output alone gives gradient only to shared ∪ task(t), every parameter of task t
    /// gets some, and every shared parameter gets gradient from at least two tasks.
    /// </summary>
    public static void ShouldSeparateTasksByGradient(MultiTaskModel model, Tensor inputs)
    {
        ArchitectureTestUtil.ShouldPartitionParameters(model);
        var shared = model.NamedSharedParameters().Select(p => p.Key).ToHashSet();
        var reached = model.NamedParameters().ToDictionary(p => p.Key, _ => 0);
        foreach (var task in model.TaskNames)
        {
            model.ZeroGrad();
            model.Forward(inputs)[task].Square().Sum().Backward();
            var own = model.NamedTaskParameters(task).Select(p => p.Key).ToHashSet();
            foreach (var (name, p) in model.NamedParameters())
            {
                bool nonZero = p.Grad is { } g && g.ToArray().Any(v => v != 0f);
                if (nonZero) reached[name]++;
                if (own.Contains(name)) nonZero.Should().BeTrue($"{name} belongs to {task}, so {task}'s output depends on it");
                else if (!shared.Contains(name)) nonZero.Should().BeFalse($"{name} belongs to another task than {task}");
            }
        }
        foreach (var name in shared)
            reached[name].Should().BeGreaterThanOrEqualTo(Math.Min(2, model.TaskNames.Count), $"{name} is shared, so several tasks' outputs must depend on it");
        model.LastSharedParameters.Should().NotBeEmpty();
        model.LastSharedParameters.Should().OnlyContain(p => model.SharedParameters(false).Contains(p));
    }

    /// <summary>ForwardTask gives what Forward gives for that task.</summary>
    public static void ForwardTaskShouldMatchForward(MultiTaskModel model, Tensor inputs)
    {
        var all = model.Forward(inputs);
        foreach (var task in model.TaskNames)
            model.ForwardTask(inputs, task).ToArray().Should().Equal(all[task].ToArray(), task);
    }

    /// <summary>Trains on the two-task regression and returns the first and last epoch losses.</summary>
    public static (double First, double Last) Train(Func<int, MultiTaskModel> build, LossWeighting weighting, int epochs = 25)
    {
        var (train, _) = TrainingData.Encoded();
        var model = build(train.Width);
        var report = new MultiTaskTrainer(model, new TrainerOptions
        {
            Epochs = epochs, BatchSize = 32, Seed = 3, Weighting = weighting, Optimizer = new AdamOptions { LearningRate = 1e-2 },
        }).Fit(train);
        return (report.History[0].Loss, report.History[^1].Loss);
    }

    /// <summary>With the shared part frozen, training changes only task parameters.</summary>
    public static void FreezingSharedShouldKeepThemFixed(Func<int, MultiTaskModel> build)
    {
        var (train, _) = TrainingData.Encoded();
        var model = build(train.Width);
        model.FreezeShared();
        var before = ArchitectureTestUtil.Snapshot(model);
        new MultiTaskTrainer(model, new TrainerOptions { Epochs = 2, BatchSize = 32, Seed = 3, Optimizer = new AdamOptions { LearningRate = 1e-2 } }).Fit(train);
        var after = ArchitectureTestUtil.Snapshot(model);
        var shared = model.NamedSharedParameters().Select(p => p.Key).ToHashSet();
        shared.Should().NotBeEmpty();
        foreach (var (name, values) in after)
        {
            if (shared.Contains(name)) values.Should().Equal(before[name], name);
        }
        after.Where(p => !shared.Contains(p.Key)).Should().Contain(p => !p.Value.SequenceEqual(before[p.Key]), "the task parameters still train");
    }

    /// <summary>A checkpoint taken halfway and resumed into a fresh model ends where training straight through ends.</summary>
    public static void CheckpointShouldResumeBitForBit(Func<int, ulong, MultiTaskModel> build, string root)
    {
        var (train, _) = TrainingData.Encoded();
        TrainerOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 32, Seed = 4, Optimizer = new AdamOptions { LearningRate = 5e-3 } };
        var straight = build(train.Width, 1);
        new MultiTaskTrainer(straight, Options(4)).Fit(train);
        string half = Path.Combine(root, "half");
        var first = new MultiTaskTrainer(build(train.Width, 1), Options(2));
        first.Fit(train);
        first.SaveCheckpoint(half);
        var resumed = build(train.Width, 99);
        new MultiTaskTrainer(resumed, Options(4)).Fit(train, resumeFrom: half);
        TrainingData.Weights(resumed).Should().BeEquivalentTo(TrainingData.Weights(straight), o => o.WithStrictOrdering());
    }
}
