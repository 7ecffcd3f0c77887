using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class RootMeanSquaredErrorTests
{
    [Fact]
    public void Matches_the_hand_computed_value()
    {
        var metric = new RootMeanSquaredError();
        metric.Update([2.5f, 0f, 2f, 8f], [3f, -0.5f, 2f, 7f]);
        metric.Result().Should().BeApproximately(Math.Sqrt(0.375), 1e-15);
        metric.Name.Should().Be("rmse");
        metric.Direction.Should().Be(MetricDirection.LowerIsBetter);
    }

    [Fact]
    public void Is_the_root_of_the_pooled_mean_not_the_mean_of_batch_roots()
    {
        var metric = new RootMeanSquaredError();
        metric.Update([3f], [0f]);
        metric.Update([0f, 0f, 0f], [0f, 0f, 0f]);
        metric.Result().Should().BeApproximately(Math.Sqrt(9.0 / 4), 1e-15);
    }

    [Fact]
    public void Streaming_and_masking()
    {
        var p = MetricChecks.Uniform(25, 3, -5, 5);
        var t = MetricChecks.Uniform(25, 4, -5, 5);
        MetricChecks.StreamingEqualsSingleUpdate(new RootMeanSquaredError(), p, t, 7, 7);
        MetricChecks.MaskedRowChangesNothing(new RootMeanSquaredError(), p, t, 24, [1e6f], [0f]);
    }
}
