namespace MultiTask.Training;

/// <summary>
/// Throws a <see cref="TrainingDivergedException"/> naming the task, epoch and step as soon as a task loss
/// is NaN or infinite. The trainer adds one unless <see cref="TrainerOptions.TerminateOnNonFinite"/> is false.
/// </summary>
public sealed class TerminateOnNonFinite : Callback
{
    /// <inheritdoc />
    public override void OnBatchEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.LastBatch is not { } batch) return;
        foreach (var (task, loss) in batch.Losses)
        {
            if (!double.IsFinite(loss)) throw new TrainingDivergedException(task, loss, batch.Epoch, batch.Step);
        }
    }
}
