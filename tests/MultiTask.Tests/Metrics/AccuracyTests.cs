using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class AccuracyTests
{
    [Fact]
    public void Binary_counts_a_probability_strictly_above_the_threshold_as_positive()
    {
        // Predicted classes 1, 0, 0 (0.5 is not above 0.5), 1 against 1, 0, 1, 0: two right.
        var metric = Accuracy.Binary();
        metric.Update([0.9f, 0.4f, 0.5f, 0.6f], [1f, 0f, 1f, 0f]);
        metric.Result().Should().Be(0.5);
        metric.Name.Should().Be("accuracy");
        metric.Direction.Should().Be(MetricDirection.HigherIsBetter);

        var strict = Accuracy.Binary(threshold: 0.65);
        strict.Update([0.9f, 0.4f, 0.5f, 0.6f], [1f, 0f, 1f, 0f]);
        strict.Result().Should().Be(0.75);
    }

    [Fact]
    public void Multiclass_uses_the_argmax_and_the_first_class_wins_ties()
    {
        var metric = Accuracy.Multiclass(3);
        metric.Update(
            [0.7f, 0.2f, 0.1f,
             0.1f, 0.3f, 0.6f,
             0.4f, 0.4f, 0.2f,
             0.2f, 0.5f, 0.3f],
            [0f, 2f, 1f, 1f]);
        // Row 2 ties 0 and 1; argmax picks 0, which is wrong.
        metric.Result().Should().Be(0.75);
        metric.PredictionWidth.Should().Be(3);
        metric.TargetWidth.Should().Be(1);
    }

    [Fact]
    public void Multilabel_is_element_wise_over_labelled_rows()
    {
        var metric = Accuracy.Multilabel(2);
        metric.Update([0.8f, 0.3f, 0.6f, 0.4f, 0.9f, 0.7f], [1f, 0f, 0f, 1f, 1f, 1f]);
        metric.Result().Should().Be(4.0 / 6);
        metric.TargetWidth.Should().Be(2);

        var masked = Accuracy.Multilabel(2);
        masked.Update([0.8f, 0.3f, 0.6f, 0.4f, 0.9f, 0.7f], [1f, 0f, 0f, 1f, 1f, 1f], [1f, 0f, 1f]);
        masked.Result().Should().Be(1.0);
    }

    [Fact]
    public void Streaming_and_masking()
    {
        var p = MetricChecks.Uniform(4 * 21, 21);
        var t = MetricChecks.Uniform(21, 22, 0, 3.999f).Select(MathF.Floor).ToArray();
        MetricChecks.StreamingEqualsSingleUpdate(Accuracy.Multiclass(4), p, t, 5, 5, 5);
        MetricChecks.MaskedRowChangesNothing(Accuracy.Multiclass(4), p, t, 3, [1f, 0f, 0f, 0f], [0f]);
        MetricChecks.MaskedRowChangesNothing(Accuracy.Multiclass(4), p, t, 3, [0f, 0f, 0f, 1f], [0f]);

        var pb = MetricChecks.Uniform(17, 23);
        var tb = MetricChecks.Uniform(17, 24).Select(v => v > 0.5f ? 1f : 0f).ToArray();
        MetricChecks.StreamingEqualsSingleUpdate(Accuracy.Binary(), pb, tb, 8);
        MetricChecks.MaskedRowChangesNothing(Accuracy.Binary(), pb, tb, 9, [0.99f], [1f]);
        MetricChecks.MaskedRowChangesNothing(Accuracy.Binary(), pb, tb, 9, [0.01f], [1f]);
    }

    [Fact]
    public void Rejects_probabilities_outside_unit_interval_and_bad_targets()
    {
        Accuracy.Binary().Invoking(m => m.Update([0.2f, 1.5f], [0f, 1f]))
            .Should().Throw<ArgumentException>().WithMessage("*prediction 1.5 at row 1*[0, 1]*sigmoid or softmax*");
        Accuracy.Binary().Invoking(m => m.Update([0.2f], [2f]))
            .Should().Throw<ArgumentException>().WithMessage("*target 2 at row 0*0 or 1*");
        Accuracy.Multiclass(3).Invoking(m => m.Update([0.2f, 0.3f, 0.5f], [3f]))
            .Should().Throw<ArgumentException>().WithMessage("*class index 3 at row 0*3 classes*[0, 2]*");
        Accuracy.Multiclass(3).Invoking(m => m.Update([0.2f, 0.3f, 0.5f], [1.5f]))
            .Should().Throw<ArgumentException>().WithMessage("*class index 1.5*");
        Accuracy.Multiclass(3).Invoking(m => m.Update([0.2f, 0.3f, 0.5f], [-1f]))
            .Should().Throw<ArgumentException>().WithMessage("*class index -1*");
    }

    [Fact]
    public void Rejects_bad_configuration()
    {
        FluentActions.Invoking(() => Accuracy.Multiclass(1)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("classCount");
        FluentActions.Invoking(() => Accuracy.Multilabel(0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("labelCount");
        FluentActions.Invoking(() => Accuracy.Binary(1.5)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("threshold");
        FluentActions.Invoking(() => Accuracy.Binary(double.NaN)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
