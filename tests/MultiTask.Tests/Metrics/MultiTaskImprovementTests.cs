using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class MultiTaskImprovementTests
{
    [Fact]
    public void Worked_example_positive_means_multi_task_is_better()
    {
        // depth rmse:   1.0 → 0.9, lower is better: −(0.9 − 1.0)/1.0 = +10%
        // seg accuracy: 0.5 → 0.6, higher is better: (0.6 − 0.5)/0.5 = +20%
        // seg f1:       0.5 → 0.45, higher is better: (0.45 − 0.5)/0.5 = −10%
        // Δm = (10 + 20 − 10) / 3 = 6.67%; per task: depth +10%, seg +5%.
        var report = MultiTaskImprovement.Compute(
        [
            new MetricComparison("depth", "rmse", MetricDirection.LowerIsBetter, 0.9, 1.0),
            new MetricComparison("seg", "accuracy", MetricDirection.HigherIsBetter, 0.6, 0.5),
            new MetricComparison("seg", "f1", MetricDirection.HigherIsBetter, 0.45, 0.5),
        ]);

        report.DeltaM.Should().BeApproximately(20.0 / 3, 1e-12);
        report.PerTask.Keys.Should().Equal("depth", "seg");
        report.PerTask["depth"].Should().BeApproximately(10, 1e-12);
        report.PerTask["seg"].Should().BeApproximately(5, 1e-12);
        report.Changes.Select(c => c.RelativeChange).Should().Equal(
            [10, 20, -10], (a, b) => Math.Abs(a - b) < 1e-12);
        report.Changes[0].Comparison.Task.Should().Be("depth");
    }

    [Fact]
    public void Sign_follows_the_metric_direction()
    {
        MultiTaskImprovement.RelativeChange(1.1, 1.0, MetricDirection.LowerIsBetter).Should().BeApproximately(-10, 1e-12);
        MultiTaskImprovement.RelativeChange(0.8, 1.0, MetricDirection.LowerIsBetter).Should().BeApproximately(20, 1e-12);
        MultiTaskImprovement.RelativeChange(0.8, 1.0, MetricDirection.HigherIsBetter).Should().BeApproximately(-20, 1e-12);
        MultiTaskImprovement.RelativeChange(2.0, 2.0, MetricDirection.HigherIsBetter).Should().Be(0);
    }

    [Fact]
    public void A_negative_baseline_keeps_positive_meaning_better()
    {
        // R² from −0.5 to −0.25 is an improvement: (−0.25 − (−0.5)) / |−0.5| = +50%.
        MultiTaskImprovement.RelativeChange(-0.25, -0.5, MetricDirection.HigherIsBetter).Should().BeApproximately(50, 1e-12);
    }

    [Fact]
    public void Zero_baseline_throws_naming_task_and_metric()
    {
        FluentActions.Invoking(() => MultiTaskImprovement.Compute(
            [
                new MetricComparison("house", "rmse", MetricDirection.LowerIsBetter, 1, 2),
                new MetricComparison("apartment", "mae", MetricDirection.LowerIsBetter, 0.5, 0),
            ]))
            .Should().Throw<ArgumentException>().WithMessage("Task 'apartment' metric 'mae' has a single-task baseline of 0*");
        FluentActions.Invoking(() => MultiTaskImprovement.RelativeChange(1, 0, MetricDirection.HigherIsBetter))
            .Should().Throw<ArgumentException>().WithMessage("*baseline of 0*").WithParameterName("singleTask");
    }

    [Fact]
    public void Rejects_empty_duplicate_and_non_finite_input()
    {
        FluentActions.Invoking(() => MultiTaskImprovement.Compute([]))
            .Should().Throw<ArgumentException>().WithMessage("*at least one*");
        FluentActions.Invoking(() => MultiTaskImprovement.Compute(
            [
                new MetricComparison("house", "rmse", MetricDirection.LowerIsBetter, 1, 2),
                new MetricComparison("house", "rmse", MetricDirection.LowerIsBetter, 1, 3),
            ]))
            .Should().Throw<ArgumentException>().WithMessage("Task 'house' metric 'rmse' is given twice*");
        FluentActions.Invoking(() => MultiTaskImprovement.Compute(
            [new MetricComparison("house", "rmse", MetricDirection.LowerIsBetter, double.NaN, 2)]))
            .Should().Throw<ArgumentException>().WithMessage("*'house'*non-finite*");
        FluentActions.Invoking(() => MultiTaskImprovement.Compute(
            [new MetricComparison(" ", "rmse", MetricDirection.LowerIsBetter, 1, 2)]))
            .Should().Throw<ArgumentException>().WithMessage("*task name*");
    }

    [Fact]
    public void Works_with_metric_objects_end_to_end()
    {
        var multi = new RootMeanSquaredError();
        var single = new RootMeanSquaredError();
        multi.Update([1f, 2f], [1f, 3f]);
        single.Update([1f, 1f], [1f, 3f]);
        var report = MultiTaskImprovement.Compute(
            [new MetricComparison("house", multi.Name, multi.Direction, multi.Result(), single.Result())]);
        report.DeltaM.Should().BeApproximately(-(Math.Sqrt(0.5) - Math.Sqrt(2)) / Math.Sqrt(2) * 100, 1e-12);
        report.DeltaM.Should().BeApproximately(50, 1e-12);
    }
}
