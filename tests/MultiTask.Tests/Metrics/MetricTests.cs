using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class MetricTests
{
    /// <summary>A custom metric written against the public base, as a user would.</summary>
    private sealed class MaxAbsoluteError : Metric
    {
        private double max;

        public MaxAbsoluteError() : base("max_error", MetricDirection.LowerIsBetter) { }

        public override Metric Clone() => new MaxAbsoluteError();

        protected override void UpdateRow(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target) =>
            max = Math.Max(max, Math.Abs((double)prediction[0] - target[0]));

        protected override double ComputeResult() => max;

        protected override void ResetState() => max = 0;
    }

    [Fact]
    public void Custom_metric_gets_masking_and_empty_handling_from_the_base()
    {
        var metric = new MaxAbsoluteError();
        metric.Result().Should().Be(double.NaN);
        metric.Update([1f, 10f, 3f], [1.5f, 0f, 1f], [1f, 0f, 1f]);
        metric.Result().Should().Be(2.0);
        metric.Count.Should().Be(2);
    }

    [Fact]
    public void Result_is_NaN_before_any_labelled_row_and_after_reset()
    {
        var metric = new MeanAbsoluteError();
        metric.Result().Should().Be(double.NaN);
        metric.Update([], []);
        metric.Result().Should().Be(double.NaN);
        metric.Update([1f, 2f], [0f, 0f], [0f, 0f]);
        metric.Result().Should().Be(double.NaN);
        metric.Count.Should().Be(0);

        metric.Update([1f, 2f], [0f, 0f]);
        metric.Result().Should().Be(1.5);
        metric.Reset();
        metric.Count.Should().Be(0);
        metric.Result().Should().Be(double.NaN);
        metric.Update([4f], [1f]);
        metric.Result().Should().Be(3.0);
    }

    [Fact]
    public void Empty_mask_counts_every_row_like_a_mask_of_ones()
    {
        var a = new MeanSquaredError();
        var b = new MeanSquaredError();
        a.Update([1f, 2f, 5f], [0f, 0f, 1f]);
        b.Update([1f, 2f, 5f], [0f, 0f, 1f], [1f, 1f, 1f]);
        a.Result().Should().Be(b.Result()).And.Be(7.0);
    }

    [Fact]
    public void Length_mismatch_names_both_lengths()
    {
        var metric = new RootMeanSquaredError();
        metric.Invoking(m => m.Update(new float[5], new float[4]))
            .Should().Throw<ArgumentException>()
            .WithMessage("*'rmse'*5 predictions*4 targets*expected 4*")
            .And.ParamName.Should().Be("predictions");

        var multiclass = Accuracy.Multiclass(3);
        multiclass.Invoking(m => m.Update(new float[5], new float[2]))
            .Should().Throw<ArgumentException>().WithMessage("*5 predictions for 2 targets*expected 6 (3 per row for 2 rows)*");

        var multilabel = Accuracy.Multilabel(2);
        multilabel.Invoking(m => m.Update(new float[3], new float[3]))
            .Should().Throw<ArgumentException>().WithMessage("*2 targets per row*3 targets*")
            .And.ParamName.Should().Be("targets");
    }

    [Fact]
    public void Mask_of_wrong_length_or_with_values_other_than_0_and_1_is_rejected()
    {
        var metric = new MeanAbsoluteError();
        metric.Invoking(m => m.Update([1f, 2f], [1f, 2f], [1f]))
            .Should().Throw<ArgumentException>().WithMessage("*mask of length 1 for 2 rows*")
            .And.ParamName.Should().Be("mask");
        metric.Invoking(m => m.Update([1f, 2f], [1f, 2f], [1f, 0.5f]))
            .Should().Throw<ArgumentException>().WithMessage("*mask value 0.5 at row 1*");
        metric.Invoking(m => m.Update([1f, 2f], [1f, 2f], [float.NaN, 1f]))
            .Should().Throw<ArgumentException>().WithMessage("*mask value NaN at row 0*");
    }

    [Fact]
    public void A_rejected_batch_leaves_the_state_unchanged()
    {
        var metric = new MeanAbsoluteError();
        metric.Update([1f], [0f]);
        metric.Invoking(m => m.Update([5f, 5f, 5f], [0f, 0f, float.NaN]))
            .Should().Throw<ArgumentException>().WithMessage("*target NaN at row 2*mask 0*");
        metric.Count.Should().Be(1);
        metric.Result().Should().Be(1.0);
    }

    [Fact]
    public void Clone_has_the_same_configuration_and_an_empty_independent_state()
    {
        Metric[] metrics =
        [
            new RootMeanSquaredError(), new MeanAbsoluteError(), new MeanSquaredError(), new RSquared(),
            Accuracy.Binary(0.7), Accuracy.Multiclass(3), Accuracy.Multilabel(4), F1Score.Binary(),
            F1Score.Multiclass(3, Average.Weighted), F1Score.Multilabel(2, Average.Macro), new RocAuc(),
            LogLoss.Binary(), LogLoss.Multiclass(5),
        ];
        foreach (Metric original in metrics)
        {
            int rows = 4;
            var p = MetricChecks.Uniform(rows * original.PredictionWidth, 7);
            var t = Enumerable.Range(0, rows * original.TargetWidth).Select(i => (float)(i % 2)).ToArray();
            original.Update(p, t);
            double before = original.Result();

            Metric clone = original.Clone();
            clone.Should().BeOfType(original.GetType());
            clone.Name.Should().Be(original.Name);
            clone.Direction.Should().Be(original.Direction);
            clone.PredictionWidth.Should().Be(original.PredictionWidth);
            clone.TargetWidth.Should().Be(original.TargetWidth);
            clone.Count.Should().Be(0);
            clone.Result().Should().Be(double.NaN);

            clone.Update(p, t);
            clone.Result().Should().Be(before, original.Name);
            clone.Update(p, t);
            original.Count.Should().Be(rows);
        }
    }

    [Fact]
    public void Accuracy_clone_keeps_its_threshold()
    {
        var metric = Accuracy.Binary(0.7);
        var clone = metric.Clone();
        clone.Update([0.6f], [0f]);
        clone.Result().Should().Be(1.0);
    }
}
