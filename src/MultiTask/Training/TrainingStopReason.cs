namespace MultiTask.Training;

/// <summary>Why <see cref="MultiTaskTrainer.Fit"/> returned.</summary>
public enum TrainingStopReason
{
    /// <summary>All epochs ran.</summary>
    Completed,

    /// <summary><see cref="EarlyStopping"/> saw no improvement for its patience.</summary>
    EarlyStopped,

    /// <summary>A callback asked to stop (<see cref="TrainingContext.RequestStop"/>).</summary>
    StopRequested,

    /// <summary>The cancellation token was cancelled; training stopped between two batches.</summary>
    Cancelled,
}
