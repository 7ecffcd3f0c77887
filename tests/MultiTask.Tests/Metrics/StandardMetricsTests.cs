using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class StandardMetricsTests
{
    [Fact]
    public void Factories_build_the_named_metrics()
    {
        StandardMetrics.Rmse().Should().BeOfType<RootMeanSquaredError>();
        StandardMetrics.Mae().Should().BeOfType<MeanAbsoluteError>();
        StandardMetrics.Mse().Should().BeOfType<MeanSquaredError>();
        StandardMetrics.R2().Should().BeOfType<RSquared>();
        StandardMetrics.RocAuc().Should().BeOfType<RocAuc>();
        StandardMetrics.Accuracy().PredictionWidth.Should().Be(1);
        StandardMetrics.Accuracy(5).PredictionWidth.Should().Be(5);
        StandardMetrics.MultilabelAccuracy(4).TargetWidth.Should().Be(4);
        StandardMetrics.F1().Name.Should().Be("f1");
        StandardMetrics.F1(3).Name.Should().Be("f1_macro");
        StandardMetrics.F1(3, Average.Weighted).Name.Should().Be("f1_weighted");
        StandardMetrics.MultilabelF1(3).Name.Should().Be("f1_micro");
        StandardMetrics.LogLoss().PredictionWidth.Should().Be(1);
        StandardMetrics.LogLoss(4).PredictionWidth.Should().Be(4);
    }

    [Theory]
    [InlineData(MetricTaskKind.Regression, 1, new[] { "rmse", "mae", "r2" })]
    [InlineData(MetricTaskKind.Binary, 1, new[] { "accuracy", "f1", "roc_auc", "log_loss" })]
    [InlineData(MetricTaskKind.Multiclass, 4, new[] { "accuracy", "f1_macro", "log_loss" })]
    [InlineData(MetricTaskKind.Multilabel, 3, new[] { "accuracy", "f1_micro" })]
    public void ForTask_returns_the_default_set_with_matching_widths(MetricTaskKind kind, int width, string[] names)
    {
        var metrics = StandardMetrics.ForTask(kind, width);
        metrics.Select(m => m.Name).Should().Equal(names);
        metrics.Should().OnlyContain(m => m.PredictionWidth == width && m.Count == 0);
        StandardMetrics.ForTask(kind, width).Should().NotIntersectWith(metrics, "each call gives fresh instances");
    }

    [Fact]
    public void ForTask_rejects_widths_that_do_not_fit_the_kind()
    {
        FluentActions.Invoking(() => StandardMetrics.ForTask(MetricTaskKind.Regression, 2))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*regression task has one prediction per row*").WithParameterName("outputWidth");
        FluentActions.Invoking(() => StandardMetrics.ForTask(MetricTaskKind.Multiclass, 1))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("classCount");
        FluentActions.Invoking(() => StandardMetrics.ForTask((MetricTaskKind)9))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("kind");
    }
}
