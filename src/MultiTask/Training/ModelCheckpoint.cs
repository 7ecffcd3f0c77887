using System.Globalization;
using MultiTask.Metrics;

namespace MultiTask.Training;

/// <summary>
/// Writes a full training checkpoint (see <see cref="MultiTaskTrainer.SaveCheckpoint"/>) at the end of
/// every epoch, or only when a monitored value improves.
/// </summary>
/// <remarks>
/// The checkpoint is written after every callback has seen the epoch's end, so it holds their updated
/// state. <c>{epoch}</c> in the directory is replaced by the 0-based epoch (one checkpoint per epoch);
/// without it each checkpoint atomically replaces the previous one.
/// </remarks>
public sealed class ModelCheckpoint : Callback
{
    private MetricDirection _direction;
    private double _best;

    /// <summary>Creates the callback.</summary>
    /// <param name="directory">The checkpoint directory, optionally with an <c>{epoch}</c> placeholder.</param>
    /// <param name="monitor">The value that decides "best" (see <see cref="EarlyStopping"/> for the keys).</param>
    /// <param name="saveBestOnly">Only write when <paramref name="monitor"/> improves.</param>
    public ModelCheckpoint(string directory, string monitor = "val_loss", bool saveBestOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        Directory = directory;
        Monitor = monitor;
        SaveBestOnly = saveBestOnly;
    }

    /// <summary>The checkpoint directory (may hold <c>{epoch}</c>).</summary>
    public string Directory { get; }

    /// <summary>The monitored key.</summary>
    public string Monitor { get; }

    /// <summary>Whether only improving epochs are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _direction = SaveBestOnly ? context.DirectionOf(Monitor) : MetricDirection.LowerIsBetter;
        _best = Monitoring.Worst(_direction);
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (SaveBestOnly)
        {
            double value = context.Read(Monitor);
            if (!Monitoring.Improves(value, _best, _direction, 0)) return;
            _best = value;
        }
        context.RequestCheckpoint(Directory.Replace("{epoch}", context.LastEpoch!.Epoch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    /// <inheritdoc />
    public override CallbackState? StateDict()
    {
        var state = new CallbackState();
        state.Values["best"] = _best;
        return state;
    }

    /// <inheritdoc />
    public override void ValidateStateDict(CallbackState state, MultiTaskTrainer trainer, int epochsCompleted)
    {
        base.ValidateStateDict(state, trainer, epochsCompleted);
        Check(state);
    }

    /// <inheritdoc />
    public override void LoadStateDict(CallbackState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _best = Check(state);
    }

    private static double Check(CallbackState state)
    {
        state.OnlyValues(nameof(ModelCheckpoint), allowTensors: false, "best");
        double best = state.Required("best", nameof(ModelCheckpoint));
        // The best starts at ±∞ and only ever takes a value that improved on it, which NaN never does.
        if (double.IsNaN(best))
            throw new ArgumentException("The saved state of ModelCheckpoint has 'best' = NaN, which no epoch can produce.", nameof(state));
        return best;
    }
}
