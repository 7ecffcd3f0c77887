namespace MultiTask.Metrics;

/// <summary>Fraction of correct predictions over the labelled rows.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Binary</b> (<see cref="Binary"/>): the prediction is the probability of class 1 and counts as 1
/// when it is strictly greater than the threshold (0.5 by default), as Keras's <c>BinaryAccuracy</c> and
/// scikit-learn's <c>predict</c> after <c>predict_proba</c>.</item>
/// <item><b>Multiclass</b> (<see cref="Multiclass"/>): the predicted class is the argmax of the row's
/// probabilities, the first one winning ties as numpy's <c>argmax</c>; targets are class indices.</item>
/// <item><b>Multilabel</b> (<see cref="Multilabel"/>): element-wise, the fraction of correct (row, label)
/// pairs over labelled rows, as Keras's <c>BinaryAccuracy</c>; this is not scikit-learn's subset accuracy,
/// which counts a row only when all its labels are right.</item>
/// </list>
/// Predictions must be probabilities in [0, 1]; targets must be 0/1 or valid class indices.
/// </remarks>
public sealed class Accuracy : Metric
{
    private readonly MetricTaskKind kind;
    private readonly double threshold;
    private long correct;
    private long total;

    private Accuracy(MetricTaskKind kind, int width, double threshold)
        : base("accuracy", MetricDirection.HigherIsBetter, width, kind == MetricTaskKind.Multilabel ? width : 1)
    {
        this.kind = kind;
        this.threshold = threshold;
    }

    /// <summary>Binary accuracy: one probability of class 1 per row, targets 0 or 1.</summary>
    /// <param name="threshold">A probability strictly above it predicts class 1.</param>
    public static Accuracy Binary(double threshold = 0.5)
    {
        MetricGuard.Threshold(threshold);
        return new Accuracy(MetricTaskKind.Binary, 1, threshold);
    }

    /// <summary>Multiclass accuracy: a row of <paramref name="classCount"/> probabilities, targets are class indices.</summary>
    /// <param name="classCount">Number of classes (at least 2).</param>
    public static Accuracy Multiclass(int classCount)
    {
        MetricGuard.Width(classCount, 2, nameof(classCount), "multiclass");
        return new Accuracy(MetricTaskKind.Multiclass, classCount, 0.5);
    }

    /// <summary>Element-wise multilabel accuracy: rows of <paramref name="labelCount"/> probabilities and 0/1 targets.</summary>
    /// <param name="labelCount">Number of labels per row (at least 1).</param>
    /// <param name="threshold">A probability strictly above it predicts the label as present.</param>
    public static Accuracy Multilabel(int labelCount, double threshold = 0.5)
    {
        MetricGuard.Width(labelCount, 1, nameof(labelCount), "multilabel");
        MetricGuard.Threshold(threshold);
        return new Accuracy(MetricTaskKind.Multilabel, labelCount, threshold);
    }

    /// <inheritdoc/>
    public override Metric Clone() => new Accuracy(kind, PredictionWidth, threshold);

    /// <inheritdoc/>
    protected override void ValidateRow(int row, ReadOnlySpan<float> prediction, ReadOnlySpan<float> target) =>
        MetricGuard.ClassificationRow(this, kind, row, prediction, target);

    /// <inheritdoc/>
    protected override void UpdateRow(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        if (kind == MetricTaskKind.Multiclass)
        {
            if (MetricGuard.ArgMax(prediction) == (int)target[0])
                correct++;
            total++;
            return;
        }

        for (int i = 0; i < prediction.Length; i++)
        {
            if ((prediction[i] > threshold) == (target[i] == 1f))
                correct++;
        }
        total += prediction.Length;
    }

    /// <inheritdoc/>
    protected override double ComputeResult() => (double)correct / total;

    /// <inheritdoc/>
    protected override void ResetState()
    {
        correct = 0;
        total = 0;
    }
}
