namespace MultiTask.Metrics;

/// <summary>Cross-entropy of the predicted probabilities (log-loss), averaged over the labelled rows.</summary>
/// <remarks>
/// <para>
/// Binary: <c>−(1/n) Σ [y ln p + (1 − y) ln(1 − p)]</c>; multiclass: <c>−(1/n) Σ ln p_y</c>. Natural logarithm,
/// accumulated in double.
/// </para>
/// <para>
/// Probabilities are clipped to <c>[ε, 1 − ε]</c> with <c>ε = 1e-15</c> so that a confident mistake costs
/// about 34.5 instead of infinity; after clipping, each multiclass row is divided by its sum. This is
/// scikit-learn's <c>log_loss</c> with its former default <c>eps=1e-15</c> (versions before 1.3, which now
/// clip at the data type's machine epsilon). Predictions outside [0, 1] are rejected rather than clipped,
/// since they mean logits were passed where probabilities were expected.
/// </para>
/// </remarks>
public sealed class LogLoss : Metric
{
    /// <summary>The clipping bound ε.</summary>
    public const double Epsilon = 1e-15;

    private readonly MetricTaskKind kind;
    private double sumLoss;

    private LogLoss(MetricTaskKind kind, int width)
        : base("log_loss", MetricDirection.LowerIsBetter, width)
    {
        this.kind = kind;
    }

    /// <summary>Binary log-loss: one probability of class 1 per row, targets 0 or 1.</summary>
    public static LogLoss Binary() => new(MetricTaskKind.Binary, 1);

    /// <summary>Multiclass log-loss: a row of <paramref name="classCount"/> probabilities, targets are class indices.</summary>
    /// <param name="classCount">Number of classes (at least 2).</param>
    public static LogLoss Multiclass(int classCount)
    {
        MetricGuard.Width(classCount, 2, nameof(classCount), "multiclass");
        return new LogLoss(MetricTaskKind.Multiclass, classCount);
    }

    /// <inheritdoc/>
    public override Metric Clone() => new LogLoss(kind, PredictionWidth);

    /// <inheritdoc/>
    protected override void ValidateRow(int row, ReadOnlySpan<float> prediction, ReadOnlySpan<float> target) =>
        MetricGuard.ClassificationRow(this, kind, row, prediction, target);

    /// <inheritdoc/>
    protected override void UpdateRow(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        if (kind == MetricTaskKind.Binary)
        {
            double p = Clip(prediction[0]);
            sumLoss -= target[0] == 1f ? Math.Log(p) : Math.Log(1.0 - p);
            return;
        }

        double rowSum = 0;
        for (int c = 0; c < prediction.Length; c++)
            rowSum += Clip(prediction[c]);
        sumLoss -= Math.Log(Clip(prediction[(int)target[0]]) / rowSum);
    }

    /// <inheritdoc/>
    protected override double ComputeResult() => sumLoss / Count;

    /// <inheritdoc/>
    protected override void ResetState() => sumLoss = 0;

    private static double Clip(float p) => Math.Clamp(p, Epsilon, 1.0 - Epsilon);
}
