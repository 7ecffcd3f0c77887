using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class LogLossTests
{
    [Fact]
    public void Binary_matches_the_hand_computed_cross_entropy()
    {
        var metric = LogLoss.Binary();
        metric.Update([0.9f, 0.2f, 0.6f], [1f, 0f, 1f]);
        double expected = -(Math.Log(0.9f) + Math.Log(1 - (double)0.2f) + Math.Log(0.6f)) / 3;
        metric.Result().Should().BeApproximately(expected, 1e-15);
        metric.Name.Should().Be("log_loss");
        metric.Direction.Should().Be(MetricDirection.LowerIsBetter);
    }

    [Fact]
    public void Multiclass_matches_the_hand_computed_cross_entropy()
    {
        var metric = LogLoss.Multiclass(3);
        metric.Update([0.5f, 0.25f, 0.25f, 0.125f, 0.375f, 0.5f], [0f, 2f]);
        metric.Result().Should().BeApproximately(-(Math.Log(0.5) + Math.Log(0.5)) / 2, 1e-15);
        metric.PredictionWidth.Should().Be(3);
    }

    [Fact]
    public void Confident_mistakes_are_clipped_at_epsilon_1e_15()
    {
        LogLoss.Epsilon.Should().Be(1e-15);
        var binary = LogLoss.Binary();
        binary.Update([0f], [1f]);
        binary.Result().Should().BeApproximately(15 * Math.Log(10), 1e-12);

        // 1 − (1 − ε) rounds to 9.992e-16 in double, exactly as in numpy.
        var negative = LogLoss.Binary();
        negative.Update([1f], [0f]);
        negative.Result().Should().BeApproximately(-Math.Log(1 - (1 - 1e-15)), 1e-12).And.BeApproximately(34.5396, 1e-4);

        var perfect = LogLoss.Binary();
        perfect.Update([1f, 0f], [1f, 0f]);
        perfect.Result().Should().BeApproximately(-Math.Log(1 - 1e-15), 1e-25).And.BeGreaterThan(0);

        // Row [1, 0, 0] clips to [1 − ε, ε, ε], sum 1 + ε, so class 1 gets ε / (1 + ε).
        var multiclass = LogLoss.Multiclass(3);
        multiclass.Update([1f, 0f, 0f], [1f]);
        multiclass.Result().Should().BeApproximately(-Math.Log(1e-15 / (1 + 1e-15)), 1e-9);
    }

    [Fact]
    public void Rows_that_do_not_sum_to_one_are_renormalised()
    {
        var metric = LogLoss.Multiclass(2);
        metric.Update([0.2f, 0.6f], [1f]);
        metric.Result().Should().BeApproximately(-Math.Log((double)0.6f / ((double)0.2f + 0.6f)), 1e-15);
    }

    [Fact]
    public void Rejects_probabilities_outside_unit_interval()
    {
        LogLoss.Binary().Invoking(m => m.Update([0.5f, -0.1f], [1f, 0f]))
            .Should().Throw<ArgumentException>().WithMessage("*'log_loss'*prediction -0.1 at row 1*[0, 1]*")
            .And.ParamName.Should().Be("predictions");
        LogLoss.Multiclass(2).Invoking(m => m.Update([0.5f, 1.01f], [1f]))
            .Should().Throw<ArgumentException>().WithMessage("*prediction 1.01 at row 0, column 1*");
        LogLoss.Binary().Invoking(m => m.Update([float.NaN], [1f]))
            .Should().Throw<ArgumentException>().WithMessage("*prediction NaN*");
        LogLoss.Multiclass(2).Invoking(m => m.Update([0.5f, 0.5f], [2f]))
            .Should().Throw<ArgumentException>().WithMessage("*class index 2 at row 0, but there are 2 classes*");
    }

    [Fact]
    public void Streaming_and_masking()
    {
        var p = MetricChecks.Uniform(23, 51);
        var t = MetricChecks.Uniform(23, 52).Select(v => v > 0.5f ? 1f : 0f).ToArray();
        MetricChecks.StreamingEqualsSingleUpdate(LogLoss.Binary(), p, t, 1, 2, 3);
        MetricChecks.MaskedRowChangesNothing(LogLoss.Binary(), p, t, 4, [0f], [1f]);

        var pm = MetricChecks.Uniform(4 * 12, 53);
        var tm = MetricChecks.Uniform(12, 54, 0, 3.999f).Select(MathF.Floor).ToArray();
        MetricChecks.StreamingEqualsSingleUpdate(LogLoss.Multiclass(4), pm, tm, 6);
        MetricChecks.MaskedRowChangesNothing(LogLoss.Multiclass(4), pm, tm, 11, [0f, 0f, 0f, 0f], [3f]);
    }
}
