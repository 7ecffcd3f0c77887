namespace MultiTask.Metrics;

/// <summary>F1 score, the harmonic mean of precision and recall: <c>F1 = 2TP / (2TP + FP + FN)</c>.</summary>
/// <remarks>
/// <para>Matches scikit-learn's <c>f1_score</c> with <c>zero_division=0</c>: a class whose
/// <c>2TP + FP + FN</c> is 0 scores 0 instead of being undefined.</para>
/// <list type="bullet">
/// <item><b>Binary</b> (<see cref="Binary"/>): F1 of class 1 (<c>pos_label=1</c>); a probability strictly
/// above the threshold predicts class 1.</item>
/// <item><b>Multiclass</b> (<see cref="Multiclass"/>): the predicted class is the argmax (first wins ties).
/// <see cref="Average.Macro"/> averages over the classes that occur among the targets or the predictions
/// seen so far, as scikit-learn does when <c>labels</c> is not given, so a class absent from an
/// evaluation split does not drag the score to 0; <see cref="Average.Micro"/> equals accuracy for
/// single-label data; <see cref="Average.Weighted"/> weights each class by its number of true rows.</item>
/// <item><b>Multilabel</b> (<see cref="Multilabel"/>): each label is a binary problem thresholded
/// separately. As scikit-learn does for indicator matrices, <see cref="Average.Macro"/> averages over all
/// labels, including labels never present (which score 0); <see cref="Average.Weighted"/> returns 0 when
/// no label is present in any target.</item>
/// </list>
/// </remarks>
public sealed class F1Score : Metric
{
    private readonly MetricTaskKind kind;
    private readonly Average average;
    private readonly double threshold;
    private readonly long[] truePositives;
    private readonly long[] falsePositives;
    private readonly long[] falseNegatives;

    private F1Score(string name, MetricTaskKind kind, int width, Average average, double threshold)
        : base(name, MetricDirection.HigherIsBetter, width, kind == MetricTaskKind.Multilabel ? width : 1)
    {
        this.kind = kind;
        this.average = average;
        this.threshold = threshold;
        truePositives = new long[width];
        falsePositives = new long[width];
        falseNegatives = new long[width];
    }

    /// <summary>Binary F1 of class 1: one probability of class 1 per row, targets 0 or 1. Named <c>"f1"</c>.</summary>
    /// <param name="threshold">A probability strictly above it predicts class 1.</param>
    public static F1Score Binary(double threshold = 0.5)
    {
        MetricGuard.Threshold(threshold);
        return new F1Score("f1", MetricTaskKind.Binary, 1, Average.Micro, threshold);
    }

    /// <summary>
    /// Multiclass F1: a row of <paramref name="classCount"/> probabilities, targets are class indices.
    /// Named <c>"f1_macro"</c>, <c>"f1_micro"</c> or <c>"f1_weighted"</c>.
    /// </summary>
    /// <param name="classCount">Number of classes (at least 2).</param>
    /// <param name="average">How per-class scores are combined.</param>
    public static F1Score Multiclass(int classCount, Average average = Average.Macro)
    {
        MetricGuard.Width(classCount, 2, nameof(classCount), "multiclass");
        return new F1Score(AveragedName(average), MetricTaskKind.Multiclass, classCount, average, 0.5);
    }

    /// <summary>
    /// Multilabel F1: rows of <paramref name="labelCount"/> probabilities and 0/1 targets.
    /// Named <c>"f1_micro"</c>, <c>"f1_macro"</c> or <c>"f1_weighted"</c>.
    /// </summary>
    /// <param name="labelCount">Number of labels per row (at least 1).</param>
    /// <param name="average">How per-label scores are combined.</param>
    /// <param name="threshold">A probability strictly above it predicts the label as present.</param>
    public static F1Score Multilabel(int labelCount, Average average = Average.Micro, double threshold = 0.5)
    {
        MetricGuard.Width(labelCount, 1, nameof(labelCount), "multilabel");
        MetricGuard.Threshold(threshold);
        return new F1Score(AveragedName(average), MetricTaskKind.Multilabel, labelCount, average, threshold);
    }

    /// <inheritdoc/>
    public override Metric Clone() => new F1Score(Name, kind, PredictionWidth, average, threshold);

    /// <inheritdoc/>
    protected override void ValidateRow(int row, ReadOnlySpan<float> prediction, ReadOnlySpan<float> target) =>
        MetricGuard.ClassificationRow(this, kind, row, prediction, target);

    /// <inheritdoc/>
    protected override void UpdateRow(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        if (kind == MetricTaskKind.Multiclass)
        {
            int predicted = MetricGuard.ArgMax(prediction);
            int actual = (int)target[0];
            if (predicted == actual)
            {
                truePositives[actual]++;
            }
            else
            {
                falsePositives[predicted]++;
                falseNegatives[actual]++;
            }
            return;
        }

        for (int i = 0; i < prediction.Length; i++)
        {
            bool predicted = prediction[i] > threshold;
            bool actual = target[i] == 1f;
            if (predicted && actual)
                truePositives[i]++;
            else if (predicted)
                falsePositives[i]++;
            else if (actual)
                falseNegatives[i]++;
        }
    }

    /// <inheritdoc/>
    protected override double ComputeResult()
    {
        int classes = truePositives.Length;
        switch (average)
        {
            case Average.Micro:
                long tp = 0, fp = 0, fn = 0;
                for (int c = 0; c < classes; c++)
                {
                    tp += truePositives[c];
                    fp += falsePositives[c];
                    fn += falseNegatives[c];
                }
                return F1(tp, fp, fn);

            case Average.Macro:
                double sum = 0;
                int counted = 0;
                for (int c = 0; c < classes; c++)
                {
                    bool occurs = truePositives[c] + falsePositives[c] + falseNegatives[c] > 0;
                    if (kind == MetricTaskKind.Multiclass && !occurs)
                        continue;
                    sum += F1(truePositives[c], falsePositives[c], falseNegatives[c]);
                    counted++;
                }
                return sum / counted;

            default:
                double weighted = 0;
                long support = 0;
                for (int c = 0; c < classes; c++)
                {
                    long classSupport = truePositives[c] + falseNegatives[c];
                    weighted += classSupport * F1(truePositives[c], falsePositives[c], falseNegatives[c]);
                    support += classSupport;
                }
                return support == 0 ? 0.0 : weighted / support;
        }
    }

    /// <inheritdoc/>
    protected override void ResetState()
    {
        Array.Clear(truePositives);
        Array.Clear(falsePositives);
        Array.Clear(falseNegatives);
    }

    private static double F1(long tp, long fp, long fn)
    {
        long denominator = 2 * tp + fp + fn;
        return denominator == 0 ? 0.0 : 2.0 * tp / denominator;
    }

    private static string AveragedName(Average average) => average switch
    {
        Average.Macro => "f1_macro",
        Average.Micro => "f1_micro",
        Average.Weighted => "f1_weighted",
        _ => throw new ArgumentOutOfRangeException(nameof(average), average, "Unknown F1 average; use Macro, Micro or Weighted."),
    };
}
