namespace MultiTask.Metrics;

/// <summary>Coefficient of determination over the labelled rows: <c>R² = 1 − SS_res / SS_tot</c>.</summary>
/// <remarks>
/// <para>
/// <c>SS_res = Σ (y − ŷ)²</c> and <c>SS_tot = Σ (y − ȳ)²</c>, where <c>ȳ</c> is the mean of the labelled
/// targets seen so far. <c>SS_tot</c> is streamed with Welford's update (Welford, "Note on a method for
/// calculating corrected sums of squares and products", Technometrics 4(3), 1962) in double, which avoids
/// the cancellation of <c>Σy² − nȳ²</c> when targets are large relative to their spread (prices, years).
/// </para>
/// <para>
/// When every labelled target is equal (<c>SS_tot = 0</c>) the ratio is undefined; as scikit-learn's
/// <c>r2_score</c> (<c>force_finite=True</c>), the result is 1 for perfect predictions and 0 otherwise.
/// R² can be negative: a model worse than predicting the mean.
/// </para>
/// </remarks>
public sealed class RSquared : Metric
{
    private long rows;
    private double mean;
    private double sumSquaresTotal;
    private double sumSquaresResidual;

    /// <summary>Creates the metric, named <c>"r2"</c>.</summary>
    public RSquared()
        : base("r2", MetricDirection.HigherIsBetter)
    {
    }

    /// <inheritdoc/>
    public override Metric Clone() => new RSquared();

    /// <inheritdoc/>
    protected override void ValidateRow(int row, ReadOnlySpan<float> prediction, ReadOnlySpan<float> target) =>
        MetricGuard.FiniteTarget(this, row, target[0]);

    /// <inheritdoc/>
    protected override void UpdateRow(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        double y = target[0];
        double residual = y - prediction[0];
        sumSquaresResidual += residual * residual;

        rows++;
        double delta = y - mean;
        mean += delta / rows;
        sumSquaresTotal += delta * (y - mean);
    }

    /// <inheritdoc/>
    protected override double ComputeResult()
    {
        if (sumSquaresTotal == 0)
            return sumSquaresResidual == 0 ? 1.0 : 0.0;
        return 1.0 - sumSquaresResidual / sumSquaresTotal;
    }

    /// <inheritdoc/>
    protected override void ResetState()
    {
        rows = 0;
        mean = 0;
        sumSquaresTotal = 0;
        sumSquaresResidual = 0;
    }
}
