namespace MultiTask.Training;

/// <summary>A progress report of <see cref="MultiTaskTrainer.Fit"/>: after each batch, and once more at each epoch's end with <see cref="EpochRecord"/> set.</summary>
/// <param name="Epoch">The 0-based current epoch.</param>
/// <param name="Epochs">The total number of epochs.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="StepsPerEpoch">Batches per epoch.</param>
/// <param name="GlobalStep">Batches done in the whole run.</param>
/// <param name="BatchObjective">The last batch's objective (NaN when it took no step).</param>
/// <param name="EpochRecord">The finished epoch's record, at the epoch's end; null after a batch.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int StepsPerEpoch, long GlobalStep, double BatchObjective, EpochRecord? EpochRecord);
