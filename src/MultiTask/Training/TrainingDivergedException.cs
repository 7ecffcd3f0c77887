namespace MultiTask.Training;

/// <summary>
/// A task loss became NaN or infinite during training (thrown by <see cref="TerminateOnNonFinite"/>), a validation loss
/// did where a task sampler needs it, or a weighting strategy computed a non-finite weight.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="task">The task whose loss is not finite.</param>
    /// <param name="value">The loss value.</param>
    /// <param name="epoch">The 0-based epoch.</param>
    /// <param name="step">The 0-based global step.</param>
    public TrainingDivergedException(string task, double value, int epoch, long step)
        : this($"the loss of task '{task}'", task, value, epoch, step)
    {
    }

    /// <summary>Creates the exception for another non-finite quantity of <paramref name="task"/>, described by <paramref name="what"/>.</summary>
    internal TrainingDivergedException(string what, string task, double value, int epoch, long step)
        : base($"Training diverged: {what} is {value} at epoch {epoch}, step {step}. " +
               "Lower the learning rate, clip gradients (TrainerOptions.GradientClipNorm), or check the task's targets and loss.")
    {
        Task = task;
        Value = value;
        Epoch = epoch;
        Step = step;
    }

    /// <summary>The task whose loss (or weight) is not finite.</summary>
    public string Task { get; }

    /// <summary>The non-finite value.</summary>
    public double Value { get; }

    /// <summary>The 0-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The 0-based global step.</summary>
    public long Step { get; }
}
