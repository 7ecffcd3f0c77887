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

    [Fact]
    public void AStrategy_RefusesASecondTrainingRun()
    {
        var weighting = new CAGrad();
        var m = new TinyModel(2);
        weighting.Initialize(m.Context("t1", "t2"));
        FluentActions.Invoking(() => weighting.Initialize(m.Context("t1", "t2"))).Should().Throw<InvalidOperationException>().WithMessage("*CAGrad*already bound*");
    }
}
