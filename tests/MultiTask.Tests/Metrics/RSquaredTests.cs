using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class RSquaredTests
{
    [Fact]
    public void Matches_the_hand_computed_value()
    {
        // ȳ = 2.875; SS_tot = 29.1875; SS_res = 1.5.
        var metric = new RSquared();
        metric.Update([2.5f, 0f, 2f, 8f], [3f, -0.5f, 2f, 7f]);
        metric.Result().Should().BeApproximately(1 - 1.5 / 29.1875, 1e-15);
        metric.Name.Should().Be("r2");
        metric.Direction.Should().Be(MetricDirection.HigherIsBetter);
    }

    [Fact]
    public void Equals_the_two_pass_formula_on_random_data()
    {
        var p = MetricChecks.Uniform(50, 11, -3, 3);
        var t = MetricChecks.Uniform(50, 12, -2, 4);
        double mean = t.Average(v => (double)v);
        double ssTot = t.Sum(v => (v - mean) * (v - mean));
        double ssRes = t.Zip(p, (y, f) => ((double)y - f) * ((double)y - f)).Sum();

        var metric = new RSquared();
        metric.Update(p, t);
        metric.Result().Should().BeApproximately(1 - ssRes / ssTot, 1e-12);
    }

    [Fact]
    public void Stays_exact_when_targets_are_large_relative_to_their_spread()
    {
        // Σy² − nȳ² would lose about 1e-2 of SS_tot = 5 here; the streaming form keeps it exact.
        var metric = new RSquared();
        metric.Update([1e7f + 2, 1e7f + 1], [1e7f + 1, 1e7f + 2]);
        metric.Update([1e7f + 4, 1e7f + 3], [1e7f + 3, 1e7f + 4]);
        metric.Result().Should().BeApproximately(1 - 4.0 / 5.0, 1e-12);
    }

    [Fact]
    public void Constant_targets_give_one_when_perfect_and_zero_otherwise_like_scikit_learn()
    {
        var perfect = new RSquared();
        perfect.Update([2f, 2f], [2f, 2f]);
        perfect.Result().Should().Be(1.0);

        var single = new RSquared();
        single.Update([3f], [2f]);
        single.Result().Should().Be(0.0);
    }

    [Fact]
    public void Is_negative_for_a_model_worse_than_the_mean()
    {
        var metric = new RSquared();
        metric.Update([1f, 0f], [0f, 1f]);
        metric.Result().Should().Be(1 - 2 / 0.5);
    }

    [Fact]
    public void Streaming_masking_and_reset()
    {
        var p = MetricChecks.Uniform(31, 13, -3, 3);
        var t = MetricChecks.Uniform(31, 14, -3, 3);
        var metric = new RSquared();
        MetricChecks.StreamingEqualsSingleUpdate(metric, p, t, 1, 1, 1, 13);
        MetricChecks.MaskedRowChangesNothing(metric, p, t, 30, [50f], [-50f]);

        metric.Reset();
        metric.Update([1f, 2f], [100f, 200f]);
        metric.Reset();
        metric.Update([2.5f, 0f, 2f, 8f], [3f, -0.5f, 2f, 7f]);
        metric.Result().Should().BeApproximately(1 - 1.5 / 29.1875, 1e-15);
    }
}
