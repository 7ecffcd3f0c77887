using FluentAssertions;
using MultiTask.Engine.Optim;
using MultiTask.Tests.Training;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

/// <summary>What every one of GLS, RLW, FAMO, STCH, DB-MTL, ExcessMTL and IMTL-L must do in a real training run.</summary>
public sealed class LossSpaceMethodsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "multitask-loss-methods-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    public static TheoryData<string> Methods() => ["gls", "rlw", "famo", "stch", "dbmtl", "excessmtl", "imtll"];

    // STCH warms up for 2 epochs, records its ideal point in epoch 2 and uses it from epoch 3, so the training run
    // crosses every phase and the resume (after epoch 2) must fix the ideal point from the restored sums.
    private static LossWeighting Create(string name) => name switch
    {
        "gls" => new Gls(),
        "rlw" => new Rlw(),
        "famo" => new Famo(),
        "stch" => new Stch(warmupEpochs: 2),
        "dbmtl" => new DbMtl(),
        "excessmtl" => new ExcessMtl(),
        "imtll" => new ImtlL(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static TrainerOptions Options(string method, int epochs, string? checkpoint = null) => new()
    {
        Epochs = epochs, BatchSize = 32, Seed = 4,
        Optimizer = new AdamOptions { LearningRate = 1e-2 },
        Weighting = Create(method),
        Callbacks = checkpoint is null ? [] : [new ModelCheckpoint(checkpoint)],
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void ShortTrainingRun_DecreasesEveryTasksLoss(string method)
    {
        var (train, validation) = TrainingData.Encoded();
        var report = new MultiTaskTrainer(TrainingData.Model(train.Width), Options(method, 8)).Fit(train, validation);

        report.History.SelectMany(h => h.Values.Values).Should().OnlyContain(v => double.IsFinite(v));
        foreach (var task in new[] { "a", "b" })
        {
            report.History[^1]["loss." + task].Should().BeLessThan(0.5 * report.History[0]["loss." + task], $"task {task}");
            report.History[^1]["val_loss." + task].Should().BeLessThan(report.History[0]["val_loss." + task], $"task {task}");
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void ResumeFromACheckpoint_EqualsTrainingStraight_BitForBit(string method)
    {
        var (train, validation) = TrainingData.Encoded();
        var straightModel = TrainingData.Model(train.Width, seed: 1);
        var straight = new MultiTaskTrainer(straightModel, Options(method, 6, Path.Combine(_root, method + "-straight"))).Fit(train, validation);

        string half = Path.Combine(_root, method);
        new MultiTaskTrainer(TrainingData.Model(train.Width, seed: 1), Options(method, 3, half)).Fit(train, validation);
        var resumedModel = TrainingData.Model(train.Width, seed: 77);
        var resumed = new MultiTaskTrainer(resumedModel, Options(method, 6, Path.Combine(_root, method + "-resumed"))).Fit(train, validation, resumeFrom: half);

        for (int e = 0; e < 6; e++)
            resumed.History[e].Values.Should().Equal(straight.History[e].Values, $"epoch {e}");
        TrainingData.Weights(resumedModel).Should().BeEquivalentTo(TrainingData.Weights(straightModel), o => o.WithStrictOrdering());
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void StateDict_RoundTripsIntoAFreshInstance(string method)
    {
        var (train, validation) = TrainingData.Encoded();
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), Options(method, 4));
        trainer.Fit(train, validation);
        var state = trainer.Options.Weighting.StateDict();

        var fresh = Create(method);
        fresh.Initialize(new MultiTaskTrainer(TrainingData.Model(train.Width), Options(method, 4)).WeightingContext);
        fresh.LoadStateDict(state);

        Describe(fresh.StateDict()).Should().Equal(Describe(state));
        if (method is "famo" or "stch" or "dbmtl" or "excessmtl" or "imtll" or "rlw")
            state.IsEmpty.Should().BeFalse("the strategy remembers something between steps");
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void ASecondBinding_IsRefused(string method)
    {
        var (train, _) = TrainingData.Encoded();
        var options = Options(method, 1);
        _ = new MultiTaskTrainer(TrainingData.Model(train.Width), options);
        var act = () => new MultiTaskTrainer(TrainingData.Model(train.Width), options);
        act.Should().Throw<InvalidOperationException>().WithMessage("*already bound to another training run*");
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void LoadStateDict_FromAnotherStrategy_Throws(string method)
    {
        var (train, _) = TrainingData.Encoded();
        var weighting = Create(method);
        weighting.Initialize(new MultiTaskTrainer(TrainingData.Model(train.Width), Options("gls", 1)).WeightingContext);
        var foreign = new WeightingStateDict();
        foreign.Values["draws"] = 3;
        var act = () => weighting.LoadStateDict(foreign);
        act.Should().Throw<ArgumentException>();
    }

    private static string[] Describe(WeightingStateDict state) =>
    [
        .. state.Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}=[{string.Join(",", kv.Value.Shape)}]{string.Join(",", kv.Value.ToArray().Select(v => v.ToString("R")))}"),
        .. state.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value:R}"),
    ];
}
