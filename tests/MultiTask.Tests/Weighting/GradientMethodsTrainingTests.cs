using FluentAssertions;
using MultiTask.Tests.Training;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class GradientMethodsTrainingTests
{
    [Theory]
    [InlineData("cagrad")]
    [InlineData("imtlg")]
    [InlineData("nash")]
    [InlineData("upgrad")]
    [InlineData("dualproj")]
    [InlineData("aligned")]
    [InlineData("gradvac")]
    [InlineData("graddrop")]
    [InlineData("config")]
    [InlineData("fairgrad")]
    [InlineData("moco")]
    public void ShortTrainingRun_DecreasesEveryTasksLoss(string name)
    {
        LossWeighting weighting = name switch
        {
            "cagrad" => new CAGrad(),
            "imtlg" => new ImtlG(),
            "nash" => new NashMtl(),
            "upgrad" => new UPGrad(),
            "dualproj" => new DualProj(),
            "aligned" => new AlignedMtl(),
            "gradvac" => new GradVac(seed: 3),
            "graddrop" => new GradDrop(seed: 3),
            "config" => new ConFig(),
            "fairgrad" => new FairGrad(),
            _ => new MoCo(),
        };
        var (train, validation) = TrainingData.Encoded();
        var report = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 5, Weighting = weighting }).Fit(train, validation);

        report.History.SelectMany(h => h.Values.Values).Should().OnlyContain(v => double.IsFinite(v));
        foreach (var task in new[] { "a", "b" })
            report.History[^1]["loss." + task].Should().BeLessThan(0.9 * report.History[0]["loss." + task], $"task {task}");
    }

    [Theory]
    [InlineData("gradvac")]
    [InlineData("graddrop")]
    [InlineData("moco")]
    public void StatefulStrategy_ResumedFromACheckpoint_EqualsTrainingStraight(string name)
    {
        LossWeighting Create() => name switch
        {
            "gradvac" => new GradVac(beta: 0.2, seed: 5),
            "graddrop" => new GradDrop(seed: 5),
            _ => new MoCo(),
        };
        string root = Path.Combine(Path.GetTempPath(), "multitask-gradient-methods-" + Guid.NewGuid().ToString("N"));
        try
        {
            TrainerOptions Options(int epochs, string dir) => new()
            {
                Epochs = epochs, BatchSize = 16, Seed = 9, Weighting = Create(),
                Callbacks = [new ModelCheckpoint(dir)],
            };
            var (train, validation) = TrainingData.Encoded();
            var straightModel = TrainingData.Model(train.Width, seed: 1);
            var straight = new MultiTaskTrainer(straightModel, Options(4, Path.Combine(root, "straight"))).Fit(train, validation);
            string half = Path.Combine(root, "half");
            new MultiTaskTrainer(TrainingData.Model(train.Width, seed: 1), Options(2, half)).Fit(train, validation);
            var resumedModel = TrainingData.Model(train.Width, seed: 77);
            var resumed = new MultiTaskTrainer(resumedModel, Options(4, Path.Combine(root, "resumed"))).Fit(train, validation, resumeFrom: half);

            for (int e = 0; e < 4; e++)
                resumed.History[e].Values.Should().Equal(straight.History[e].Values, $"epoch {e}");
            TrainingData.Weights(resumedModel).Should().BeEquivalentTo(TrainingData.Weights(straightModel), o => o.WithStrictOrdering());
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("cagrad")]
    [InlineData("gradvac")]
    [InlineData("graddrop")]
    [InlineData("moco")]
    public void AStrategy_RefusesASecondTrainingRun(string name)
    {
        LossWeighting weighting = name switch
        {
            "cagrad" => new CAGrad(),
            "gradvac" => new GradVac(),
            "graddrop" => new GradDrop(),
            _ => new MoCo(),
        };
        var m = new TinyModel(2);
        weighting.Initialize(m.Context("t1", "t2"));
        FluentActions.Invoking(() => weighting.Initialize(m.Context("t1", "t2"))).Should().Throw<InvalidOperationException>().WithMessage($"*{weighting.GetType().Name}*already bound*");
    }
}
