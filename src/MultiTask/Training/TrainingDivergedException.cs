namespace MultiTask.Training;

/// <summary>A task loss became NaN or infinite during training (thrown by <see cref="TerminateOnNonFinite"/>).</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="task">The task whose loss is not finite.</param>
    /// <param name="value">The loss value.</param>
    /// <param name="epoch">The 0-based epoch.</param>
    /// <param name="step">The 0-based global step.</param>
    public TrainingDivergedException(string task, double value, int epoch, long step)
        : base($"Training diverged: the loss of task '{task}' is {value} at epoch {epoch}, step {step}. " +
               "Lower the learning rate, clip gradients (TrainerOptions.GradientClipNorm), or check the task's targets and loss.")
    {
        Task = task;
        Value = value;
        Epoch = epoch;
        Step = step;
    }

    /// <summary>The task whose loss is not finite.</summary>
    public string Task { get; }

    /// <summary>The non-finite loss value.</summary>
    public double Value { get; }

    /// <summary>The 0-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The 0-based global step.</summary>
    public long Step { get; }
}
