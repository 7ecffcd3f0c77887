using FluentAssertions;
using MultiTask.Metrics;
using MultiTask.Training;

namespace MultiTask.Tests.Training;

public class BaselinesTests
{
    [Fact]
    public void Compare_ReportsDeltaMConsistentWithItsOwnNumbers()
    {
        var (train, validation) = TrainingData.Encoded();
        var test = TrainingData.Dataset(60, 21).Data;
        var encodedTest = train.Encoder.Transform(test);
        var asked = new List<string>();

        var report = Baselines.Compare(
            tasks => { asked.Add(string.Join("+", tasks)); return TrainingData.Model(train.Width, 1, [.. tasks]); },
            new TrainerOptions { Epochs = 5 }, train, validation, encodedTest);

        asked.Should().Equal("a+b", "a", "b");
        var comparisons = new List<MetricComparison>();
        foreach (var task in new[] { "a", "b" })
            foreach (var (metric, value) in report.MultiTask[task].Metrics)
                comparisons.Add(new MetricComparison(task, metric, report.MultiTask[task].Directions[metric], value, report.SingleTask[task].Metrics[metric]));
        report.DeltaM.Should().Be(MultiTaskImprovement.Compute(comparisons).DeltaM);
        report.Improvement.Changes.Should().HaveCount(6);
        report.ToString().Should().Contain("Δm%").And.Contain("rmse").And.Contain("single-task");
    }

    [Fact]
    public void Compare_OneTask_IsRejected()
    {
        var (train, _) = TrainingData.Encoded();
        var act = () => Baselines.Compare(t => TrainingData.Model(train.Width, 1, [.. t]), new TrainerOptions { Epochs = 1 }, train, null, train, ["a"]);
        act.Should().Throw<ArgumentException>().WithMessage("*at least two tasks*");
    }
}
