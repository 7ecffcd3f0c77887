namespace MultiTask.Metrics;

/// <summary>Mean absolute error over the labelled rows: <c>(1/n) Σ |ŷ − y|</c>, accumulated in double.</summary>
/// <remarks>Matches scikit-learn's <c>mean_absolute_error</c> and Keras's <c>MeanAbsoluteError</c>. Non-finite
/// targets are rejected and non-finite predictions propagate, as in <see cref="MeanSquaredError"/>.</remarks>
public sealed class MeanAbsoluteError : Metric
{
    private double sumAbsolute;

    /// <summary>Creates the metric, named <c>"mae"</c>.</summary>
    public MeanAbsoluteError()
        : base("mae", MetricDirection.LowerIsBetter)
    {
    }

    /// <inheritdoc/>
    public override Metric Clone() => new MeanAbsoluteError();

    /// <inheritdoc/>
    protected override void ValidateRow(int row, ReadOnlySpan<float> prediction, ReadOnlySpan<float> target) =>
        MetricGuard.FiniteTarget(this, row, target[0]);

    /// <inheritdoc/>
    protected override void UpdateRow(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target) =>
        sumAbsolute += Math.Abs((double)prediction[0] - target[0]);

    /// <inheritdoc/>
    protected override double ComputeResult() => sumAbsolute / Count;

    /// <inheritdoc/>
    protected override void ResetState() => sumAbsolute = 0;
}
