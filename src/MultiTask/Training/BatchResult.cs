namespace MultiTask.Training;

/// <summary>What one training batch did, as seen by <see cref="Callback.OnBatchEnd"/>.</summary>
public sealed class BatchResult
{
    internal BatchResult(int epoch, int batch, long step, IReadOnlyDictionary<string, double> losses,
        IReadOnlyDictionary<string, int> labelCounts, IReadOnlyDictionary<string, double> weights, double objective, bool stepTaken)
    {
        Epoch = epoch;
        Batch = batch;
        Step = step;
        Losses = losses;
        LabelCounts = labelCounts;
        Weights = weights;
        Objective = objective;
        StepTaken = stepTaken;
    }

    /// <summary>The 0-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The 0-based index of the batch within the epoch.</summary>
    public int Batch { get; }

    /// <summary>The 0-based global step of this batch (the number of batches processed before it).</summary>
    public long Step { get; }

    /// <summary>The loss of each task with labels in the batch (tasks without labels are absent); may hold non-finite values when training diverges.</summary>
    public IReadOnlyDictionary<string, double> Losses { get; }

    /// <summary>The number of labelled rows of each task present in the batch.</summary>
    public IReadOnlyDictionary<string, int> LabelCounts { get; }

    /// <summary>The weight the weighting strategy gave each present task (empty when no step was taken).</summary>
    public IReadOnlyDictionary<string, double> Weights { get; }

    /// <summary>The differentiated objective (weighted losses plus regularisation and the model's penalty), or NaN when no step was taken.</summary>
    public double Objective { get; }

    /// <summary>Whether the optimizer stepped (false for a batch without labels or with a non-finite loss).</summary>
    public bool StepTaken { get; }

    /// <summary>Whether every task loss is finite.</summary>
    public bool IsFinite => Losses.Values.All(double.IsFinite);
}
