namespace MultiTask.Metrics;

/// <summary>Mean squared error over the labelled rows: <c>(1/n) Σ (ŷ − y)²</c>, accumulated in double.</summary>
/// <remarks>Matches scikit-learn's <c>mean_squared_error</c> and Keras's <c>MeanSquaredError</c>. A non-finite
/// target in a labelled row is rejected (mask it instead); a non-finite prediction propagates to the result,
/// so a diverged model reports a NaN or infinite error rather than a plausible number.</remarks>
public sealed class MeanSquaredError : Metric
{
    private double sumSquares;

    /// <summary>Creates the metric, named <c>"mse"</c>.</summary>
    public MeanSquaredError()
        : base("mse", MetricDirection.LowerIsBetter)
    {
    }

    /// <inheritdoc/>
    public override Metric Clone() => new MeanSquaredError();

    /// <inheritdoc/>
    protected override void ValidateRow(int row, ReadOnlySpan<float> prediction, ReadOnlySpan<float> target) =>
        MetricGuard.FiniteTarget(this, row, target[0]);

    /// <inheritdoc/>
    protected override void UpdateRow(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        double error = (double)prediction[0] - target[0];
        sumSquares += error * error;
    }

    /// <inheritdoc/>
    protected override double ComputeResult() => sumSquares / Count;

    /// <inheritdoc/>
    protected override void ResetState() => sumSquares = 0;
}
