namespace MultiTask.Training;

/// <summary>Forwards progress to the <see cref="IProgress{T}"/> given to <see cref="MultiTaskTrainer.Fit"/>.</summary>
internal sealed class ProgressCallback(IProgress<TrainingProgress> progress) : Callback
{
    private int _batch;

    public override void OnEpochBegin(TrainingContext context) => _batch = 0;

    public override void OnBatchEnd(TrainingContext context)
    {
        _batch++;
        progress.Report(new TrainingProgress(context.Epoch, context.Epochs, _batch, context.StepsPerEpoch, context.GlobalStep,
            context.LastBatch?.Objective ?? double.NaN, null));
    }

    public override void OnEpochEnd(TrainingContext context) =>
        progress.Report(new TrainingProgress(context.Epoch, context.Epochs, _batch, context.StepsPerEpoch, context.GlobalStep,
            context.LastBatch?.Objective ?? double.NaN, context.LastEpoch));
}
