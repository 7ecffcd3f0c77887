using MultiTask.Architectures;
using MultiTask.Engine.Optim;
using MultiTask.Metrics;
using MultiTask.Weighting;

namespace MultiTask.Training;

/// <summary>
/// The explicit state of one <see cref="MultiTaskTrainer.Fit"/> run that callbacks read, and the
/// requests they can make (stop, save a checkpoint, report the best epoch).
/// </summary>
public sealed class TrainingContext
{
    private readonly IReadOnlyDictionary<string, MetricDirection> _monitorable;
    private readonly IReadOnlyDictionary<string, string>? _unavailable;
    private readonly List<string> _checkpointRequests = [];
    private readonly List<object> _diagnostics = [];

    internal TrainingContext(MultiTaskTrainer trainer, IReadOnlyList<EpochRecord> history, bool hasValidation,
        IReadOnlyDictionary<string, MetricDirection> monitorable, int stepsPerEpoch, IReadOnlyDictionary<string, string>? unavailable = null)
    {
        _unavailable = unavailable;
        Trainer = trainer;
        History = history;
        HasValidation = hasValidation;
        _monitorable = monitorable;
        StepsPerEpoch = stepsPerEpoch;
    }

    /// <summary>The trainer running the loop.</summary>
    public MultiTaskTrainer Trainer { get; }

    /// <summary>The model being trained.</summary>
    public MultiTaskModel Model => Trainer.Model;

    /// <summary>The optimizer (e.g. for a learning-rate scheduler).</summary>
    public Optimizer Optimizer => Trainer.Optimizer;

    /// <summary>The trainer's options.</summary>
    public TrainerOptions Options => Trainer.Options;

    /// <summary>The weighting context (task names, step, initial and per-epoch losses).</summary>
    public WeightingContext Weighting => Trainer.WeightingContext;

    /// <summary>The 0-based current epoch.</summary>
    public int Epoch { get; internal set; }

    /// <summary>The total number of epochs.</summary>
    public int Epochs => Options.Epochs;

    /// <summary>Batches per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>The number of batches processed in the whole run, including resumed epochs.</summary>
    public long GlobalStep { get; internal set; }

    /// <summary>Whether the run has validation data (so <c>val_*</c> values and metrics exist).</summary>
    public bool HasValidation { get; }

    /// <summary>The batch about to be trained on (set before <see cref="Callback.OnBatchBegin"/>).</summary>
    public TrainingBatch? CurrentBatch { get; internal set; }

    /// <summary>The last batch's result (set before <see cref="Callback.OnBatchEnd"/>).</summary>
    public BatchResult? LastBatch { get; internal set; }

    /// <summary>The last finished epoch's record (set before <see cref="Callback.OnEpochEnd"/>).</summary>
    public EpochRecord? LastEpoch { get; internal set; }

    /// <summary>Every finished epoch's record, oldest first.</summary>
    public IReadOnlyList<EpochRecord> History { get; }

    /// <summary>Whether a callback asked to stop; the trainer stops after the current epoch's callbacks.</summary>
    public bool StopRequested => StopReason is not null;

    /// <summary>Why a stop was requested, or null.</summary>
    public TrainingStopReason? StopReason { get; private set; }

    /// <summary>The explanation given with the stop request.</summary>
    public string? StopMessage { get; private set; }

    /// <summary>The keys callbacks may monitor in this run (see <see cref="EpochRecord"/>).</summary>
    public IReadOnlyCollection<string> MonitorKeys => _monitorable.Keys.ToList();

    internal string? BestMonitor { get; private set; }

    internal int? BestEpoch { get; private set; }

    internal double? BestValue { get; private set; }

    internal IReadOnlyList<string> CheckpointRequests => _checkpointRequests;

    internal IReadOnlyList<object> Diagnostics => _diagnostics;

    /// <summary>Asks the trainer to stop after this epoch (the first request wins).</summary>
    /// <param name="reason">The reason, reported in <see cref="TrainingReport.StopReason"/>.</param>
    /// <param name="message">A sentence for the report.</param>
    public void RequestStop(TrainingStopReason reason, string message)
    {
        if (StopReason is not null) return;
        StopReason = reason;
        StopMessage = message;
    }

    /// <summary>Asks the trainer to write a checkpoint to <paramref name="directory"/> once every callback has seen the current epoch's end, so that the checkpoint holds their updated state.</summary>
    /// <param name="directory">The checkpoint directory.</param>
    public void RequestCheckpoint(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _checkpointRequests.Add(directory);
    }

    /// <summary>
    /// Hands a diagnostic result (e.g. <see cref="Diagnostics.TaskRelatedness"/>) to the run's report, where it appears in
    /// <see cref="TrainingReport.Diagnostics"/>; call it at the latest in <see cref="Callback.OnTrainEnd"/>.
    /// </summary>
    /// <param name="result">The result.</param>
    public void AddDiagnostics(object result)
    {
        ArgumentNullException.ThrowIfNull(result);
        _diagnostics.Add(result);
    }

    /// <summary>Reports the best epoch of a monitored value so that <see cref="TrainingReport"/> can show it.</summary>
    /// <param name="monitor">The monitored key.</param>
    /// <param name="epoch">The 0-based best epoch.</param>
    /// <param name="value">The best value.</param>
    public void RecordBest(string monitor, int epoch, double value)
    {
        BestMonitor = monitor;
        BestEpoch = epoch;
        BestValue = value;
    }

    /// <summary>Which way <paramref name="monitor"/> improves: lower for losses, the metric's own direction for <c>&lt;task&gt;.&lt;metric&gt;</c>.</summary>
    /// <param name="monitor">A key of <see cref="MonitorKeys"/>.</param>
    /// <returns>The direction.</returns>
    /// <exception cref="ArgumentException">The key cannot be monitored in this run; the message lists the keys that can.</exception>
    public MetricDirection DirectionOf(string monitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        if (_monitorable.TryGetValue(monitor, out var d)) return d;
        if (_unavailable is not null && _unavailable.TryGetValue(monitor, out var reason))
            throw new ArgumentException(
                $"Cannot monitor '{monitor}' in this run: {reason}, so no epoch would report it. Give the task validation labels, or monitor another value. Monitorable values: {string.Join(", ", _monitorable.Keys)}.",
                nameof(monitor));
        string hint = !HasValidation && (monitor.StartsWith("val_", StringComparison.Ordinal) || monitor.Contains('.'))
            ? " It needs validation data: pass validation to Fit, or monitor 'loss'."
            : "";
        throw new ArgumentException(
            $"Cannot monitor '{monitor}' in this run.{hint} Monitorable values: {string.Join(", ", _monitorable.Keys)}.", nameof(monitor));
    }

    /// <summary>Reads <paramref name="monitor"/> from the last epoch's record.</summary>
    /// <param name="monitor">A key of <see cref="MonitorKeys"/>.</param>
    /// <returns>The value (NaN when the epoch had none, e.g. a task without validation labels).</returns>
    /// <exception cref="InvalidOperationException">No epoch has finished yet.</exception>
    public double Read(string monitor)
    {
        var record = LastEpoch ?? throw new InvalidOperationException("No epoch has finished yet; read monitored values in OnEpochEnd.");
        return record.TryGetValue(monitor, out var v) ? v : double.NaN;
    }

    internal void ClearCheckpointRequests() => _checkpointRequests.Clear();
}
