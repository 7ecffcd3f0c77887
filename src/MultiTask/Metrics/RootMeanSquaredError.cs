namespace MultiTask.Metrics;

/// <summary>Root mean squared error over the labelled rows: <c>√((1/n) Σ (ŷ − y)²)</c>, in the target's units.</summary>
/// <remarks>The square root of the streamed mean (not the mean of per-batch roots), as Keras's
/// <c>RootMeanSquaredError</c> and scikit-learn's <c>root_mean_squared_error</c>. Non-finite targets are
/// rejected and non-finite predictions propagate, as in <see cref="MeanSquaredError"/>.</remarks>
public sealed class RootMeanSquaredError : Metric
{
    private double sumSquares;

    /// <summary>Creates the metric, named <c>"rmse"</c>.</summary>
    public RootMeanSquaredError()
        : base("rmse", MetricDirection.LowerIsBetter)
    {
    }

    /// <inheritdoc/>
    public override Metric Clone() => new RootMeanSquaredError();

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
    protected override double ComputeResult() => Math.Sqrt(sumSquares / Count);

    /// <inheritdoc/>
    protected override void ResetState() => sumSquares = 0;
}
