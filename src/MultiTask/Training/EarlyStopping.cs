using System.Globalization;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;

namespace MultiTask.Training;

/// <summary>
/// Stops training when a monitored value has not improved for <see cref="Patience"/> epochs, and by
/// default restores the weights of the best epoch when training ends.
/// </summary>
/// <remarks>
/// The monitor is <c>val_loss</c>, <c>val_loss.&lt;task&gt;</c>, <c>loss</c>, <c>loss.&lt;task&gt;</c> or a
/// validation metric <c>&lt;task&gt;.&lt;metric&gt;</c> such as <c>condo.rmse</c>; losses improve downwards,
/// metrics in their own direction. An epoch improves when it beats the best by more than
/// <see cref="MinDelta"/>. A NaN value never improves. As in Keras.
/// </remarks>
public sealed class EarlyStopping : Callback
{
    private MetricDirection _direction;
    private double _best;
    private int _bestEpoch = -1;
    private int _wait;
    private Dictionary<string, Tensor>? _bestWeights;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The value to watch (see the remarks).</param>
    /// <param name="patience">Epochs without improvement before stopping (at least 1).</param>
    /// <param name="minDelta">The least change that counts as an improvement (non-negative).</param>
    /// <param name="restoreBestWeights">Whether to put the best epoch's weights back when training ends.</param>
    public EarlyStopping(string monitor = "val_loss", int patience = 10, double minDelta = 0, bool restoreBestWeights = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        if (patience < 1) throw new ArgumentOutOfRangeException(nameof(patience), patience, $"patience must be at least 1, got {patience}.");
        if (!(minDelta >= 0) || double.IsInfinity(minDelta))
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, $"minDelta must be finite and non-negative, got {minDelta}.");
        Monitor = monitor;
        Patience = patience;
        MinDelta = minDelta;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>The monitored key.</summary>
    public string Monitor { get; }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>The least change that counts as an improvement.</summary>
    public double MinDelta { get; }

    /// <summary>Whether the best weights are restored when training ends.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The best value so far (±∞ before the first epoch).</summary>
    public double Best => _best;

    /// <summary>The 0-based best epoch, or -1 before the first epoch.</summary>
    public int BestEpoch => _bestEpoch;

    /// <summary>Epochs since the last improvement.</summary>
    public int Wait => _wait;

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _direction = context.DirectionOf(Monitor);
        _best = Monitoring.Worst(_direction);
        _bestEpoch = -1;
        _wait = 0;
        _bestWeights = null;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        double value = context.Read(Monitor);
        int epoch = context.LastEpoch!.Epoch;
        if (Monitoring.Improves(value, _best, _direction, MinDelta))
        {
            _best = value;
            _bestEpoch = epoch;
            _wait = 0;
            if (RestoreBestWeights) _bestWeights = Snapshot(context);
        }
        else
        {
            _wait++;
        }
        if (_bestEpoch >= 0) context.RecordBest(Monitor, _bestEpoch, _best);
        if (_wait >= Patience)
        {
            context.RequestStop(TrainingStopReason.EarlyStopped, string.Create(CultureInfo.InvariantCulture,
                $"'{Monitor}' did not improve for {Patience} epochs (best {_best:G6} at epoch {_bestEpoch})"));
        }
    }

    /// <inheritdoc />
    public override void OnTrainEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (RestoreBestWeights && _bestWeights is not null) context.Model.LoadStateDict(_bestWeights);
    }

    /// <inheritdoc />
    public override CallbackState? StateDict()
    {
        var state = new CallbackState();
        state.Values["best"] = _best;
        state.Values["best_epoch"] = _bestEpoch;
        state.Values["wait"] = _wait;
        if (_bestWeights is not null)
            foreach (var (k, t) in _bestWeights) state.Tensors[k] = t.Clone();
        return state;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Checks the counters against the number of finished epochs and the best weights (kept when
    /// <see cref="RestoreBestWeights"/> is on and an epoch improved) against the model's names and shapes, so a
    /// damaged snapshot is rejected when the checkpoint loads rather than when training ends.
    /// </remarks>
    public override void ValidateStateDict(CallbackState state, MultiTaskTrainer trainer, int epochsCompleted)
    {
        base.ValidateStateDict(state, trainer, epochsCompleted);
        var (_, bestEpoch, _) = ReadCounters(state, epochsCompleted);
        bool expectWeights = RestoreBestWeights && bestEpoch >= 0;
        if (!expectWeights)
        {
            if (state.Tensors.Count > 0)
                throw new ArgumentException(
                    $"The saved state of EarlyStopping has {state.Tensors.Count} best-weight tensors, but " +
                    (RestoreBestWeights ? "no epoch improved yet" : "restoreBestWeights is off") + ", so it keeps none.", nameof(state));
            return;
        }
        var model = trainer.Model.StateDict();
        var missing = model.Keys.Where(k => !state.Tensors.ContainsKey(k)).ToList();
        var unexpected = state.Tensors.Keys.Where(k => !model.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new ArgumentException(
                "The saved best weights of EarlyStopping do not match the model:" +
                (missing.Count > 0 ? $" missing {string.Join(", ", missing.Take(10).Select(k => $"'{k}'"))};" : "") +
                (unexpected.Count > 0 ? $" unexpected {string.Join(", ", unexpected.Take(10).Select(k => $"'{k}'"))};" : "") +
                " they were saved for another model or altered.", nameof(state));
        foreach (var (key, tensor) in state.Tensors)
        {
            if (!tensor.Shape.SequenceEqual(model[key].Shape))
                throw new ArgumentException(
                    $"The saved best weight '{key}' of EarlyStopping has shape [{string.Join(", ", tensor.Shape)}] but the model's has [{string.Join(", ", model[key].Shape)}].",
                    nameof(state));
        }
    }

    /// <inheritdoc />
    public override void LoadStateDict(CallbackState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        (_best, _bestEpoch, _wait) = ReadCounters(state, int.MaxValue);
        _bestWeights = state.Tensors.Count == 0 ? null : state.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Clone(), StringComparer.Ordinal);
    }

    private static (double Best, int BestEpoch, int Wait) ReadCounters(CallbackState state, int epochsCompleted)
    {
        const string owner = nameof(EarlyStopping);
        state.OnlyValues(owner, allowTensors: true, "best", "best_epoch", "wait");
        double best = state.Required("best", owner);
        if (double.IsNaN(best))
            throw new ArgumentException("The saved state of EarlyStopping has 'best' = NaN, which never improves on anything and so cannot be a best.", nameof(state));
        int bestEpoch = state.Integer("best_epoch", owner, -1, epochsCompleted - 1);
        int wait = state.Integer("wait", owner, 0, epochsCompleted);
        return (best, bestEpoch, wait);
    }

    private static Dictionary<string, Tensor> Snapshot(TrainingContext context) =>
        context.Model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Detach().Clone(), StringComparer.Ordinal);
}
