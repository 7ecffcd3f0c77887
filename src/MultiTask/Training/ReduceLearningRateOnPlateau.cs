using MultiTask.Engine.Optim;
using MultiTask.Metrics;

namespace MultiTask.Training;

/// <summary>
/// Multiplies the learning rate by a factor when a monitored value stops improving, through the engine's
/// <see cref="ReduceLROnPlateau"/>; the direction follows the monitor (losses down, metrics their own way).
/// </summary>
public sealed class ReduceLearningRateOnPlateau : Callback
{
    private readonly double _factor;
    private readonly int _patience;
    private readonly double _threshold;
    private readonly ThresholdMode _thresholdMode;
    private readonly int _cooldown;
    private readonly double _minLr;

    /// <summary>Creates the callback (parameters as in <see cref="ReduceLROnPlateau"/>).</summary>
    /// <param name="monitor">The value to watch, e.g. <c>val_loss</c> or <c>house.rmse</c>.</param>
    /// <param name="factor">The factor applied to the learning rate, in [0, 1).</param>
    /// <param name="patience">Epochs without improvement tolerated before reducing.</param>
    /// <param name="threshold">The least change that counts as an improvement.</param>
    /// <param name="thresholdMode">Whether the threshold is relative or absolute.</param>
    /// <param name="cooldown">Epochs to wait after a reduction.</param>
    /// <param name="minLr">The lower bound of the learning rate.</param>
    public ReduceLearningRateOnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, double threshold = 1e-4,
        ThresholdMode thresholdMode = ThresholdMode.Relative, int cooldown = 0, double minLr = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        if (!(factor >= 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, $"factor must be in [0, 1), got {factor}.");
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        Monitor = monitor;
        _factor = factor;
        _patience = patience;
        _threshold = threshold;
        _thresholdMode = thresholdMode;
        _cooldown = cooldown;
        _minLr = minLr;
    }

    /// <summary>The monitored key.</summary>
    public string Monitor { get; }

    /// <summary>The scheduler of the current run, or null before training.</summary>
    public ReduceLROnPlateau? Scheduler { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mode = context.DirectionOf(Monitor) == MetricDirection.LowerIsBetter ? PlateauMode.Min : PlateauMode.Max;
        Scheduler = new ReduceLROnPlateau(context.Optimizer, mode, _factor, _patience, _threshold, _thresholdMode, _cooldown, _minLr);
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        double value = context.Read(Monitor);
        // A missing value (no labels this epoch) is not evidence of a plateau.
        if (!double.IsNaN(value)) Scheduler?.Step(value);
    }

    /// <inheritdoc />
    public override CallbackState? StateDict()
    {
        if (Scheduler is null) return null;
        var state = new CallbackState();
        foreach (var (k, v) in Scheduler.StateDict()) state.Values[k] = v;
        return state;
    }

    /// <inheritdoc />
    public override void ValidateStateDict(CallbackState state, MultiTaskTrainer trainer, int epochsCompleted)
    {
        base.ValidateStateDict(state, trainer, epochsCompleted);
        state.ExpectSchedule(nameof(ReduceLearningRateOnPlateau), trainer.Optimizer.ParamGroups.Count, baseLearningRates: false, ["last_epoch", "num_bad_epochs", "cooldown_counter"], ["best"]);
    }

    /// <inheritdoc />
    public override void LoadStateDict(CallbackState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var scheduler = Scheduler ?? throw new InvalidOperationException("ReduceLearningRateOnPlateau state can only be loaded after training has begun.");
        scheduler.LoadStateDict(state.Values);
    }
}
