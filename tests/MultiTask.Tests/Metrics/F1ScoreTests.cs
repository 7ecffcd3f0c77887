using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class F1ScoreTests
{
    // Confusion matrix (rows = true class, columns = predicted class):
    //        p0 p1 p2
    //   t0 [  3  1  0 ]   TP = 3, FP = 1, FN = 1  → F1 = 6/8  = 3/4
    //   t1 [  0  2  1 ]   TP = 2, FP = 2, FN = 1  → F1 = 4/7
    //   t2 [  1  1  1 ]   TP = 1, FP = 1, FN = 2  → F1 = 2/5
    private static readonly (int True, int Predicted)[] Pairs =
    [
        (0, 0), (0, 0), (0, 0), (0, 1),
        (1, 1), (1, 1), (1, 2),
        (2, 2), (2, 0), (2, 1),
    ];

    private static (float[] Predictions, float[] Targets) Rows(int classCount, params (int True, int Predicted)[] pairs)
    {
        var predictions = new float[pairs.Length * classCount];
        var targets = new float[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            for (int c = 0; c < classCount; c++)
                predictions[i * classCount + c] = 0.1f;
            predictions[i * classCount + pairs[i].Predicted] = 0.7f;
            targets[i] = pairs[i].True;
        }
        return (predictions, targets);
    }

    [Fact]
    public void Multiclass_averages_match_the_written_out_confusion()
    {
        var (p, t) = Rows(3, Pairs);
        var macro = F1Score.Multiclass(3);
        var micro = F1Score.Multiclass(3, Average.Micro);
        var weighted = F1Score.Multiclass(3, Average.Weighted);
        foreach (var m in new[] { macro, micro, weighted })
            m.Update(p, t);

        macro.Result().Should().BeApproximately((3.0 / 4 + 4.0 / 7 + 2.0 / 5) / 3, 1e-15);
        micro.Result().Should().BeApproximately(6.0 / 10, 1e-15);
        weighted.Result().Should().BeApproximately((4 * 3.0 / 4 + 3 * 4.0 / 7 + 3 * 2.0 / 5) / 10, 1e-15);
        macro.Name.Should().Be("f1_macro");
        micro.Name.Should().Be("f1_micro");
        weighted.Name.Should().Be("f1_weighted");
        macro.Direction.Should().Be(MetricDirection.HigherIsBetter);
    }

    [Fact]
    public void Multiclass_macro_skips_a_class_absent_from_targets_and_predictions_and_scores_a_missed_class_zero()
    {
        var (p, t) = Rows(4, Pairs);
        var macro = F1Score.Multiclass(4);
        macro.Update(p, t);
        macro.Result().Should().BeApproximately((3.0 / 4 + 4.0 / 7 + 2.0 / 5) / 3, 1e-15);

        // Class 3 now occurs once as a target and is never predicted: TP = 0, so its F1 is 0 and it counts.
        var (p2, t2) = Rows(4, [(3, 0)]);
        macro.Update(p2, t2);
        macro.Result().Should().BeApproximately((6.0 / 9 + 4.0 / 7 + 2.0 / 5 + 0) / 4, 1e-15);
    }

    [Fact]
    public void Binary_is_the_f1_of_class_one_and_zero_when_there_are_no_positives()
    {
        // Predicted 1, 0, 1, 0, 1 against 1, 1, 0, 0, 1: TP = 2, FN = 1, FP = 1.
        var metric = F1Score.Binary();
        metric.Update([0.9f, 0.2f, 0.8f, 0.1f, 0.7f], [1f, 1f, 0f, 0f, 1f]);
        metric.Result().Should().BeApproximately(2.0 / 3, 1e-15);
        metric.Name.Should().Be("f1");

        var none = F1Score.Binary();
        none.Update([0.1f, 0.2f], [0f, 0f]);
        none.Result().Should().Be(0.0);
    }

    [Fact]
    public void Multilabel_micro_macro_and_weighted()
    {
        // Predicted [1,0],[1,0],[1,1] against [1,0],[0,1],[1,1].
        // Label 0: TP 2, FP 1, FN 0 → 4/5; label 1: TP 1, FP 0, FN 1 → 2/3; label 2 never present → 0.
        float[] p = [0.8f, 0.3f, 0.1f, 0.6f, 0.4f, 0.1f, 0.9f, 0.7f, 0.1f];
        float[] t = [1f, 0f, 0f, 0f, 1f, 0f, 1f, 1f, 0f];
        var micro = F1Score.Multilabel(3);
        var macro = F1Score.Multilabel(3, Average.Macro);
        var weighted = F1Score.Multilabel(3, Average.Weighted);
        foreach (var m in new[] { micro, macro, weighted })
            m.Update(p, t);

        micro.Result().Should().BeApproximately(6.0 / 8, 1e-15);
        macro.Result().Should().BeApproximately((4.0 / 5 + 2.0 / 3 + 0) / 3, 1e-15);
        weighted.Result().Should().BeApproximately((2 * 4.0 / 5 + 2 * 2.0 / 3) / 4, 1e-15);

        var empty = F1Score.Multilabel(2, Average.Weighted);
        empty.Update([0.1f, 0.9f], [0f, 0f]);
        empty.Result().Should().Be(0.0);
    }

    [Fact]
    public void Streaming_masking_and_reset()
    {
        var p = MetricChecks.Uniform(3 * 30, 31);
        var t = MetricChecks.Uniform(30, 32, 0, 2.999f).Select(MathF.Floor).ToArray();
        foreach (Average average in Enum.GetValues<Average>())
        {
            var metric = F1Score.Multiclass(3, average);
            MetricChecks.StreamingEqualsSingleUpdate(metric, p, t, 4, 11, 1);
            MetricChecks.MaskedRowChangesNothing(metric, p, t, 12, [0f, 0f, 1f], [0f]);
        }

        var (pk, tk) = Rows(3, Pairs);
        var reused = F1Score.Multiclass(3);
        reused.Update(p, t);
        reused.Reset();
        reused.Update(pk, tk);
        reused.Result().Should().BeApproximately((3.0 / 4 + 4.0 / 7 + 2.0 / 5) / 3, 1e-15);
    }

    [Fact]
    public void Rejects_unknown_average_and_out_of_range_class()
    {
        FluentActions.Invoking(() => F1Score.Multiclass(3, (Average)7)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("average");
        F1Score.Multiclass(2).Invoking(m => m.Update([0.5f, 0.5f, 0.5f, 0.5f], [1f, 2f]))
            .Should().Throw<ArgumentException>().WithMessage("*'f1_macro'*class index 2 at row 1*2 classes*");
    }
}
