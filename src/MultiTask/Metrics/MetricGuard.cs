using static System.FormattableString;

namespace MultiTask.Metrics;

/// <summary>Value checks shared by the built-in metrics, with messages that name the metric, row and fix.</summary>
internal static class MetricGuard
{
    public static void FiniteTarget(Metric metric, int row, float target)
    {
        if (!float.IsFinite(target))
            throw new ArgumentException(
                Invariant($"Metric '{metric.Name}' got target {target} at row {row}; mark a missing label with mask 0 instead of a non-finite target."),
                "targets");
    }

    public static void FiniteScore(Metric metric, int row, float score)
    {
        if (!float.IsFinite(score))
            throw new ArgumentException(
                Invariant($"Metric '{metric.Name}' got prediction {score} at row {row}; scores must be finite."),
                "predictions");
    }

    public static void Probability(Metric metric, int row, int column, float p)
    {
        if (!(p >= 0f && p <= 1f))
            throw new ArgumentException(
                Invariant($"Metric '{metric.Name}' got prediction {p} at row {row}, column {column}; expected a probability in [0, 1] ") +
                "(apply sigmoid or softmax to the model's logits first).",
                "predictions");
    }

    public static void BinaryTarget(Metric metric, int row, int column, float target)
    {
        if (target != 0f && target != 1f)
            throw new ArgumentException(
                Invariant($"Metric '{metric.Name}' got target {target} at row {row}, column {column}; binary targets must be 0 or 1 ") +
                "(mark a missing label with mask 0).",
                "targets");
    }

    public static void ClassIndex(Metric metric, int row, float target, int classCount)
    {
        if (!(target >= 0f && target < classCount && target == MathF.Floor(target)))
            throw new ArgumentException(
                Invariant($"Metric '{metric.Name}' got class index {target} at row {row}, but there are {classCount} classes; ") +
                Invariant($"expected an integer in [0, {classCount - 1}]."),
                "targets");
    }

    public static void Threshold(double threshold)
    {
        if (!(threshold >= 0.0 && threshold <= 1.0))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The decision threshold must be a probability in [0, 1].");
    }

    public static void Width(int width, int minimum, string parameterName, string what)
    {
        if (width < minimum)
            throw new ArgumentOutOfRangeException(parameterName, width, Invariant($"A {what} metric needs at least {minimum} {(what == "multiclass" ? "classes" : "labels")}."));
    }

    /// <summary>Checks a classification row: probabilities in [0, 1] and targets of the right kind.</summary>
    public static void ClassificationRow(Metric metric, MetricTaskKind kind, int row, ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        for (int c = 0; c < prediction.Length; c++)
            Probability(metric, row, c, prediction[c]);
        if (kind == MetricTaskKind.Multiclass)
        {
            ClassIndex(metric, row, target[0], prediction.Length);
            return;
        }
        for (int c = 0; c < target.Length; c++)
            BinaryTarget(metric, row, c, target[c]);
    }

    /// <summary>Index of the largest value; the first one wins ties, as numpy's argmax.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }
}
