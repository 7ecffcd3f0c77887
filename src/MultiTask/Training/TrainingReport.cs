using System.Globalization;
using System.Text;

namespace MultiTask.Training;

/// <summary>What <see cref="MultiTaskTrainer.Fit"/> did.</summary>
public sealed class TrainingReport
{
    internal TrainingReport(IReadOnlyList<EpochRecord> history, TrainingStopReason stopReason, string? stopMessage,
        string? monitor, int? bestEpoch, double? bestValue, EvaluationResult? finalValidation, IReadOnlyList<object>? diagnostics = null)
    {
        Diagnostics = diagnostics ?? [];
        History = history;
        StopReason = stopReason;
        StopMessage = stopMessage;
        Monitor = monitor;
        BestEpoch = bestEpoch;
        BestValue = bestValue;
        FinalValidation = finalValidation;
    }

    /// <summary>One record per finished epoch, oldest first (including epochs restored from a checkpoint).</summary>
    public IReadOnlyList<EpochRecord> History { get; }

    /// <summary>The number of finished epochs.</summary>
    public int EpochsCompleted => History.Count;

    /// <summary>Why training stopped.</summary>
    public TrainingStopReason StopReason { get; }

    /// <summary>A sentence explaining the stop (null when all epochs ran).</summary>
    public string? StopMessage { get; }

    /// <summary>The value early stopping monitored, or null without early stopping.</summary>
    public string? Monitor { get; }

    /// <summary>The 0-based epoch with the best monitored value, or null without early stopping.</summary>
    public int? BestEpoch { get; }

    /// <summary>The best monitored value, or null without early stopping.</summary>
    public double? BestValue { get; }

    /// <summary>The final model's loss and metrics on the validation data (after any restore of the best weights), or null without validation data.</summary>
    public EvaluationResult? FinalValidation { get; }

    /// <summary>The results callbacks handed over with <see cref="TrainingContext.AddDiagnostics"/> (e.g. <see cref="MultiTask.Diagnostics.TaskRelatedness"/>), in order.</summary>
    public IReadOnlyList<object> Diagnostics { get; }

    /// <summary>The first diagnostic result of type <typeparamref name="T"/>, or null when no callback produced one.</summary>
    /// <typeparam name="T">The result type, e.g. <see cref="MultiTask.Diagnostics.TaskRelatedness"/>.</typeparam>
    /// <returns>The result or null.</returns>
    public T? Diagnostic<T>() where T : class => Diagnostics.OfType<T>().FirstOrDefault();

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{EpochsCompleted} epochs, {StopReason}");
        if (StopMessage is not null) sb.Append(": ").Append(StopMessage);
        sb.AppendLine();
        if (BestEpoch is int best) sb.Append(CultureInfo.InvariantCulture, $"best {Monitor} = {BestValue:G6} at epoch {best}").AppendLine();
        if (FinalValidation is not null) sb.Append(FinalValidation);
        foreach (var d in Diagnostics) sb.AppendLine().Append(d);
        return sb.ToString();
    }
}
