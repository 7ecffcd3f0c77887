namespace MultiTask.Training;

/// <summary>
/// The built-in callback that records every finished epoch (<see cref="MultiTaskTrainer.History"/>).
/// It belongs to the trainer, so it spans resumed runs: a checkpoint stores it and resuming restores it.
/// </summary>
public sealed class History : Callback
{
    private readonly List<EpochRecord> _records = [];

    internal History()
    {
    }

    /// <summary>The finished epochs, oldest first.</summary>
    public IReadOnlyList<EpochRecord> Records => _records;

    /// <summary>The values of <paramref name="key"/> over the epochs (NaN where an epoch lacks it), e.g. for a learning curve.</summary>
    /// <param name="key">A key such as <c>val_loss</c> or <c>house.rmse</c>.</param>
    /// <returns>One value per epoch.</returns>
    public double[] Series(string key) => _records.Select(r => r.TryGetValue(key, out var v) ? v : double.NaN).ToArray();

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.LastEpoch is { } record) _records.Add(record);
    }

    internal void Replace(IEnumerable<EpochRecord> records)
    {
        _records.Clear();
        _records.AddRange(records);
    }
}
