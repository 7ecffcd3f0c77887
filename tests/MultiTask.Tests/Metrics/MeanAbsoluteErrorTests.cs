using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class MeanAbsoluteErrorTests
{
    [Fact]
    public void Matches_the_hand_computed_value()
    {
        var metric = new MeanAbsoluteError();
        metric.Update([2.5f, 0f, 2f, 8f], [3f, -0.5f, 2f, 7f]);
        metric.Result().Should().Be(0.5);
        metric.Name.Should().Be("mae");
        metric.Direction.Should().Be(MetricDirection.LowerIsBetter);
    }

    [Fact]
    public void Streaming_and_masking()
    {
        var p = MetricChecks.Uniform(19, 5, -5, 5);
        var t = MetricChecks.Uniform(19, 6, -5, 5);
        MetricChecks.StreamingEqualsSingleUpdate(new MeanAbsoluteError(), p, t, 2, 3, 5);
        MetricChecks.MaskedRowChangesNothing(new MeanAbsoluteError(), p, t, 0, [100f], [-100f]);
    }

    [Fact]
    public void Rejects_infinite_target_in_a_labelled_row_but_not_in_a_masked_one()
    {
        var metric = new MeanAbsoluteError();
        metric.Invoking(m => m.Update([1f, 1f], [1f, float.PositiveInfinity]))
            .Should().Throw<ArgumentException>().WithMessage("*target Infinity at row 1*").And.ParamName.Should().Be("targets");
        metric.Update([1f, 1f], [2f, float.NaN], [1f, 0f]);
        metric.Result().Should().Be(1.0);
    }
}
