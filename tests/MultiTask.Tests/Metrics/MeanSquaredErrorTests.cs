using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class MeanSquaredErrorTests
{
    // scikit-learn's documented example: errors -0.5, 0.5, 0, 1.
    private static readonly float[] Predictions = [2.5f, 0f, 2f, 8f];
    private static readonly float[] Targets = [3f, -0.5f, 2f, 7f];

    [Fact]
    public void Matches_the_hand_computed_value()
    {
        var metric = new MeanSquaredError();
        metric.Update(Predictions, Targets);
        metric.Result().Should().Be((0.25 + 0.25 + 0 + 1) / 4);
        metric.Name.Should().Be("mse");
        metric.Direction.Should().Be(MetricDirection.LowerIsBetter);
    }

    [Fact]
    public void Streaming_and_masking()
    {
        var p = MetricChecks.Uniform(37, 1, -5, 5);
        var t = MetricChecks.Uniform(37, 2, -5, 5);
        MetricChecks.StreamingEqualsSingleUpdate(new MeanSquaredError(), p, t, 1, 10, 0, 20);
        MetricChecks.MaskedRowChangesNothing(new MeanSquaredError(), p, t, 5, [1e6f], [-1e6f]);
    }

    [Fact]
    public void Non_finite_prediction_propagates_instead_of_hiding_divergence()
    {
        var metric = new MeanSquaredError();
        metric.Update([float.NaN, 1f], [0f, 1f]);
        metric.Result().Should().Be(double.NaN);
    }
}
