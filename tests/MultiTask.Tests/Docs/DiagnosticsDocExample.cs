using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Diagnostics;
using MultiTask.Tests.Training;
using MultiTask.Training;

namespace MultiTask.Tests.Docs;

/// <summary>docs/diagnostics.md, block for block.</summary>
public sealed class DiagnosticsDocExample
{
    [Fact]
    public void Measures_task_relatedness_as_the_doc_shows()
    {
        var (train, _) = TrainingData.Encoded();
        MultiTaskModel model = TrainingData.Model(train.Width);

        var monitor = new TaskRelatednessMonitor(every: 10, lookaheadLearningRate: 0.05);
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 20, Callbacks = [monitor] });
        TrainingReport report = trainer.Fit(train);
        TaskRelatedness relatedness = report.Diagnostic<TaskRelatedness>()!;   // also monitor.Result
        Console.WriteLine(relatedness);                              // cosine, conflict frequency and affinity tables
        double cosine = relatedness.Cosine["a", "b"];                 // mean cosine of a's and b's shared gradients
        double conflicts = relatedness.ConflictFrequency["a", "b"];   // share of sampled steps with a negative cosine
        double helps = relatedness.Affinity!["a", "b"];              // how much one SGD step on a lowers b's loss (relative)
        TaskGrouping groups = relatedness.SuggestGroups(2);           // at most two groups; exact up to 12 tasks
        IReadOnlyList<TaskRelatednessEpoch> perEpoch = relatedness.Epochs;

        relatedness.Should().BeSameAs(monitor.Result);
        double.IsFinite(cosine).Should().BeTrue();
        conflicts.Should().BeInRange(0, 1);
        double.IsFinite(helps).Should().BeTrue();
        groups.ServedBy.Keys.Should().BeEquivalentTo(["a", "b"]);
        perEpoch.Should().HaveCount(20);
        report.ToString().Should().Contain("gradient cosine");
    }
}
