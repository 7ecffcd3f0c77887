using static System.FormattableString;

namespace MultiTask.Metrics;

/// <summary>
/// A streaming evaluation metric: a small state machine fed batch by batch with <see cref="Update"/>,
/// read with <see cref="Result"/> and cleared with <see cref="Reset"/>.
/// </summary>
/// <remarks>
/// <para>
/// Data layout: a batch of <c>N</c> rows passes <c>N × <see cref="PredictionWidth"/></c> predictions and
/// <c>N × <see cref="TargetWidth"/></c> targets, row-major, plus an optional mask of <c>N</c> values
/// (1 = labelled, 0 = missing). Masked rows contribute nothing; an empty mask means every row is labelled.
/// Regression predictions are in the user's units; binary predictions are probabilities of the positive
/// class in [0, 1]; multiclass predictions are an <c>[N, C]</c> probability matrix with targets as class
/// indices; multilabel predictions are an <c>[N, L]</c> probability matrix with 0/1 targets.
/// </para>
/// <para>
/// The base class owns shape checks, masking and the empty case, as a Keras loss owns masking and
/// reduction: a subclass validates a labelled row in <see cref="ValidateRow"/>, accumulates it in
/// <see cref="UpdateRow"/>, and computes the value in <see cref="ComputeResult"/>. Every labelled row of a
/// batch is validated before any is accumulated, so an <see cref="Update"/> that throws leaves the state
/// unchanged.
/// </para>
/// </remarks>
public abstract class Metric
{
    /// <summary>Creates a metric.</summary>
    /// <param name="name">Short key used in reports, e.g. <c>"rmse"</c>.</param>
    /// <param name="direction">Which way the metric improves.</param>
    /// <param name="predictionWidth">Predictions per row (1, the class count or the label count).</param>
    /// <param name="targetWidth">Targets per row (1, or the label count for multilabel).</param>
    protected Metric(string name, MetricDirection direction, int predictionWidth = 1, int targetWidth = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!Enum.IsDefined(direction))
            throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown metric direction.");
        if (predictionWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(predictionWidth), predictionWidth, Invariant($"Metric '{name}' needs at least one prediction per row."));
        if (targetWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(targetWidth), targetWidth, Invariant($"Metric '{name}' needs at least one target per row."));
        Name = name;
        Direction = direction;
        PredictionWidth = predictionWidth;
        TargetWidth = targetWidth;
    }

    /// <summary>Short key used in reports and logs, e.g. <c>"rmse"</c> or <c>"f1_macro"</c>.</summary>
    public string Name { get; }

    /// <summary>Which way the metric improves.</summary>
    public MetricDirection Direction { get; }

    /// <summary>Number of predictions per row.</summary>
    public int PredictionWidth { get; }

    /// <summary>Number of targets per row.</summary>
    public int TargetWidth { get; }

    /// <summary>Number of labelled rows accumulated since construction or the last <see cref="Reset"/>.</summary>
    public long Count { get; private set; }

    /// <summary>Accumulates one batch.</summary>
    /// <param name="predictions">Row-major predictions, <see cref="PredictionWidth"/> per row.</param>
    /// <param name="targets">Row-major targets, <see cref="TargetWidth"/> per row.</param>
    /// <param name="mask">One value per row, 1 = labelled and 0 = missing; empty means all rows are labelled.</param>
    /// <exception cref="ArgumentException">
    /// The lengths do not describe the same number of rows, a mask value is not 0 or 1, or a labelled row
    /// holds a value the metric cannot score (the message names the row and the value).
    /// </exception>
    public void Update(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, ReadOnlySpan<float> mask = default)
    {
        if (targets.Length % TargetWidth != 0)
            throw new ArgumentException(
                Invariant($"Metric '{Name}' expects {TargetWidth} targets per row, but got {targets.Length} targets, which is not a multiple of {TargetWidth}."),
                nameof(targets));
        int rows = targets.Length / TargetWidth;
        if (predictions.Length != (long)rows * PredictionWidth)
            throw new ArgumentException(
                Invariant($"Metric '{Name}' got {predictions.Length} predictions for {targets.Length} targets; expected {(long)rows * PredictionWidth} ") +
                Invariant($"({PredictionWidth} per row for {rows} rows)."),
                nameof(predictions));
        if (!mask.IsEmpty && mask.Length != rows)
            throw new ArgumentException(
                Invariant($"Metric '{Name}' got a mask of length {mask.Length} for {rows} rows; pass one value per row (1 = labelled, 0 = missing) or an empty mask."),
                nameof(mask));

        for (int row = 0; row < rows; row++)
        {
            if (!IsLabelled(mask, row))
                continue;
            ValidateRow(row, predictions.Slice(row * PredictionWidth, PredictionWidth), targets.Slice(row * TargetWidth, TargetWidth));
        }

        for (int row = 0; row < rows; row++)
        {
            if (!IsLabelled(mask, row))
                continue;
            UpdateRow(predictions.Slice(row * PredictionWidth, PredictionWidth), targets.Slice(row * TargetWidth, TargetWidth));
            Count++;
        }
    }

    /// <summary>The metric over every labelled row seen since the last <see cref="Reset"/>.</summary>
    /// <returns>The value, or <see cref="double.NaN"/> when no labelled row has been seen (or, for
    /// <see cref="RocAuc"/>, when only one class has been seen): an undefined metric is reported as
    /// undefined rather than as a misleading 0.</returns>
    public double Result() => Count == 0 ? double.NaN : ComputeResult();

    /// <summary>Clears the accumulated state, e.g. at the start of an epoch.</summary>
    public void Reset()
    {
        Count = 0;
        ResetState();
    }

    /// <summary>
    /// A new metric with the same configuration and an empty state; the trainer keeps one per task and split.
    /// </summary>
    public abstract Metric Clone();

    /// <inheritdoc/>
    public override string ToString() => Invariant($"{Name} = {Result()}");

    /// <summary>
    /// Checks one labelled row before anything in the batch is accumulated; throw an
    /// <see cref="ArgumentException"/> naming the row and the value. The default accepts every row.
    /// </summary>
    /// <param name="row">Index of the row within the batch, for messages.</param>
    /// <param name="prediction">The row's <see cref="PredictionWidth"/> predictions.</param>
    /// <param name="target">The row's <see cref="TargetWidth"/> targets.</param>
    protected virtual void ValidateRow(int row, ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
    }

    /// <summary>Accumulates one labelled, already validated row.</summary>
    /// <param name="prediction">The row's <see cref="PredictionWidth"/> predictions.</param>
    /// <param name="target">The row's <see cref="TargetWidth"/> targets.</param>
    protected abstract void UpdateRow(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target);

    /// <summary>Computes the metric; called only when at least one labelled row was accumulated.</summary>
    protected abstract double ComputeResult();

    /// <summary>Clears the subclass's accumulated state.</summary>
    protected abstract void ResetState();

    private bool IsLabelled(ReadOnlySpan<float> mask, int row)
    {
        if (mask.IsEmpty)
            return true;
        float m = mask[row];
        if (m == 1f)
            return true;
        if (m == 0f)
            return false;
        throw new ArgumentException(
            Invariant($"Metric '{Name}' got mask value {m} at row {row}; mask values must be 1 (labelled) or 0 (missing)."),
            nameof(mask));
    }
}
