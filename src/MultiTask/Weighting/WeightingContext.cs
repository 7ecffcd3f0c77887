using System.Globalization;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;

namespace MultiTask.Weighting;

/// <summary>
/// Everything a <see cref="LossWeighting"/> may know about training, passed explicitly on every call:
/// the tasks (names, and once known their kinds and losses), the shared parameters, the step and epoch, each
/// task's first loss and its epoch averages.
/// </summary>
/// <remarks>
/// <para>
/// The trainer builds one context per training run and keeps it for the whole run. It owns
/// <see cref="Step"/>, <see cref="Epoch"/>, <see cref="ExtraObjective"/> and the epoch history
/// (<see cref="RecordEpochLosses"/>); <see cref="LossWeighting.Backward"/> fills
/// <see cref="InitialLosses"/> with the first loss it sees for each task. Save the context with
/// <see cref="StateDict"/> next to the strategy's own state to resume exactly.
/// </para>
/// </remarks>
public sealed class WeightingContext
{
    private readonly string[] _taskNames;
    private readonly Parameter[] _shared;
    private readonly Parameter[] _lastShared;
    private readonly double?[] _initialLosses;
    private readonly List<double?>[] _history;
    private readonly IReadOnlyList<double?>[] _historyViews;
    private TaskKind[]? _taskKinds;
    private Loss?[]? _taskLosses;

    /// <summary>Creates the context of a training run.</summary>
    /// <param name="taskNames">The task names, in the order of the per-task losses; distinct and non-empty.</param>
    /// <param name="sharedParameters">The parameters every task's loss flows through (the shared backbone); may be empty for strategies that do not use them.</param>
    /// <param name="lastSharedParameters">
    /// The parameters of the last shared layer or layers (GradNorm measures gradient norms there; see <see cref="LastSharedParameters"/>);
    /// by default the last shared parameter.
    /// </param>
    /// <param name="taskKinds">Each task's kind, in task order, or null when unknown (see <see cref="DescribeTasks"/>).</param>
    /// <param name="taskLosses">Each task's loss function, in task order (null entries allowed), or null when unknown; needs <paramref name="taskKinds"/>.</param>
    /// <exception cref="ArgumentException">A task name is empty or repeated, a last shared parameter is not shared, or the kinds or losses do not have one entry per task.</exception>
    public WeightingContext(IReadOnlyList<string> taskNames, IReadOnlyList<Parameter> sharedParameters, IReadOnlyList<Parameter>? lastSharedParameters = null,
        IReadOnlyList<TaskKind>? taskKinds = null, IReadOnlyList<Loss?>? taskLosses = null)
    {
        ArgumentNullException.ThrowIfNull(taskNames);
        ArgumentNullException.ThrowIfNull(sharedParameters);
        if (taskNames.Count == 0)
            throw new ArgumentException("A weighting context needs at least one task name.", nameof(taskNames));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < taskNames.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(taskNames[i]))
                throw new ArgumentException($"Task name {i} is empty; give every task a name.", nameof(taskNames));
            if (!seen.Add(taskNames[i]))
                throw new ArgumentException($"Task name '{taskNames[i]}' appears more than once; task names must be distinct.", nameof(taskNames));
        }
        _taskNames = [.. taskNames];
        _shared = [.. sharedParameters];
        for (int i = 0; i < _shared.Length; i++)
        {
            if (_shared[i] is null) throw new ArgumentException($"Shared parameter {i} is null.", nameof(sharedParameters));
        }
        if (lastSharedParameters is null)
        {
            _lastShared = _shared.Length == 0 ? [] : [_shared[^1]];
        }
        else
        {
            var sharedSet = new HashSet<Parameter>(_shared, ReferenceEqualityComparer.Instance);
            _lastShared = [.. lastSharedParameters];
            for (int i = 0; i < _lastShared.Length; i++)
            {
                if (_lastShared[i] is null || !sharedSet.Contains(_lastShared[i]))
                    throw new ArgumentException(
                        $"Last shared parameter {i} is not one of the {_shared.Length} shared parameters; pass the last shared layer's parameters, which must also be in sharedParameters.",
                        nameof(lastSharedParameters));
            }
        }
        foreach (var p in _shared) SharedNumel += p.Numel;
        _initialLosses = new double?[_taskNames.Length];
        _history = new List<double?>[_taskNames.Length];
        _historyViews = new IReadOnlyList<double?>[_taskNames.Length];
        for (int i = 0; i < _history.Length; i++)
        {
            _history[i] = [];
            _historyViews[i] = _history[i].AsReadOnly();
        }
        if (taskKinds is not null) DescribeTasks(taskKinds, taskLosses ?? new Loss?[_taskNames.Length]);
        else if (taskLosses is not null)
            throw new ArgumentException("Task losses were given without task kinds; pass both, one entry per task.", nameof(taskLosses));
    }

    /// <summary>The task names, in the order of the per-task losses.</summary>
    public IReadOnlyList<string> TaskNames => _taskNames;

    /// <summary>The number of tasks.</summary>
    public int TaskCount => _taskNames.Length;

    /// <summary>The shared parameters, in a fixed order that also orders flattened shared gradients.</summary>
    public IReadOnlyList<Parameter> SharedParameters => _shared;

    /// <summary>
    /// The parameters of the last shared layer or layers — the last parameters every task's loss flows through —
    /// a subset of <see cref="SharedParameters"/>; GradNorm measures each task's gradient norm there.
    /// </summary>
    /// <remarks>
    /// A hard-sharing model has one such layer (its backbone's last layer: weight and bias). A model whose tasks
    /// read several shared blocks — experts mixed by gates, or the columns of a cross-stitch network — has several,
    /// and the list spans all of them, so a norm measured on it sees every path a task's gradient takes into the
    /// shared part. See <see cref="Architectures.MultiTaskModel.LastSharedParameters"/>.
    /// </remarks>
    public IReadOnlyList<Parameter> LastSharedParameters => _lastShared;

    /// <summary>
    /// Each task's kind, in task order, or null when the context was built from names only. The trainer fills it
    /// from the tasks' <see cref="TaskSpec"/>s when it binds the training data, before the first
    /// <see cref="LossWeighting.Backward"/>; strategies whose formula depends on the kind (e.g.
    /// <see cref="UncertaintyWeighting"/>'s regression and classification forms) read it here.
    /// </summary>
    public IReadOnlyList<TaskKind>? TaskKinds => _taskKinds;

    /// <summary>
    /// Each task's loss function, in task order (an entry is null where the loss is not known), or null when the
    /// context was built from names only. Filled with <see cref="TaskKinds"/>: the task's own
    /// <see cref="TaskSpec.Loss"/> or the default of its kind.
    /// </summary>
    public IReadOnlyList<Loss?>? TaskLosses => _taskLosses;

    /// <summary>Records each task's kind and loss function (see <see cref="TaskKinds"/>); the trainer calls it when it binds its data.</summary>
    /// <param name="taskKinds">One kind per task, in task order.</param>
    /// <param name="taskLosses">One loss function per task, in task order; an entry may be null (unknown).</param>
    /// <exception cref="ArgumentException">A list does not have one entry per task.</exception>
    /// <exception cref="InvalidOperationException">The kinds differ from those recorded before: a task's kind cannot change within a training run.</exception>
    public void DescribeTasks(IReadOnlyList<TaskKind> taskKinds, IReadOnlyList<Loss?> taskLosses)
    {
        ArgumentNullException.ThrowIfNull(taskKinds);
        ArgumentNullException.ThrowIfNull(taskLosses);
        if (taskKinds.Count != _taskNames.Length)
            throw new ArgumentException($"Got {taskKinds.Count} task kinds for {_taskNames.Length} tasks ({KnownTasks()}); pass one per task, in task order.", nameof(taskKinds));
        if (taskLosses.Count != _taskNames.Length)
            throw new ArgumentException($"Got {taskLosses.Count} task losses for {_taskNames.Length} tasks ({KnownTasks()}); pass one per task, in task order (null where unknown).", nameof(taskLosses));
        if (_taskKinds is not null)
        {
            for (int i = 0; i < _taskKinds.Length; i++)
            {
                if (_taskKinds[i] != taskKinds[i])
                    throw new InvalidOperationException(
                        $"Task '{_taskNames[i]}' was described as {_taskKinds[i]} and is now {taskKinds[i]}; a task's kind cannot change within a training run. Train the new tasks with a new trainer.");
            }
        }
        _taskKinds = [.. taskKinds];
        _taskLosses = [.. taskLosses];
    }

    /// <summary>The total number of elements of the shared parameters: the length of a flattened shared gradient.</summary>
    public int SharedNumel { get; }

    /// <summary>
    /// The run's seed, for strategies that draw random numbers and were given no seed of their own (e.g.
    /// <see cref="Rlw"/>); each derives its own stream from it. The trainer sets it to <c>TrainerOptions.Seed</c>;
    /// 0 by default.
    /// </summary>
    public ulong Seed { get; set; }

    /// <summary>The global optimisation step, 0-based; the trainer advances it after each optimizer step.</summary>
    public long Step { get; set; }

    /// <summary>The current epoch, 0-based; the trainer advances it.</summary>
    public int Epoch { get; set; }

    /// <summary>
    /// Each task's first observed loss, or null before the task first had labels in a batch. Filled by
    /// <see cref="LossWeighting.Backward"/>.
    /// </summary>
    public IReadOnlyList<double?> InitialLosses => _initialLosses;

    /// <summary>
    /// Per task, the average training loss of each finished epoch, oldest first (<c>EpochLossHistory[task][epoch]</c>);
    /// null where the task had no labels in that epoch. Appended by <see cref="RecordEpochLosses"/>.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<double?>> EpochLossHistory => _historyViews;

    /// <summary>The number of epochs recorded in <see cref="EpochLossHistory"/>.</summary>
    public int RecordedEpochs => _history[0].Count;

    /// <summary>
    /// A scalar term added once to the objective of the next <see cref="LossWeighting.Backward"/> call
    /// (a soft-sharing penalty, an L1/L2 term), or null. Backward consumes it: it is null afterwards,
    /// so a stale term from an earlier batch is never added again.
    /// </summary>
    public Tensor? ExtraObjective { get; set; }

    /// <summary>
    /// The processes training this run together, or null for one process. With more than one, the per-task gradients
    /// that <see cref="LossWeighting"/>'s gradient-space helper computes are averaged over the ranks before a strategy
    /// combines them, so every rank combines the gradients of the whole global batch and takes the same step. The
    /// trainer sets it from <see cref="Training.TrainerOptions.ProcessGroup"/>.
    /// </summary>
    public ProcessGroup? ProcessGroup { get; set; }

    /// <summary>Averages each present task's gradient over the ranks of <see cref="ProcessGroup"/> (one reduction for all tasks); nothing with one process.</summary>
    /// <remarks>Every rank must pass the same tasks as present: the trainer makes a task present when it has labels anywhere in the global batch.</remarks>
    internal void ReduceTaskGradients(float[]?[] gradients)
    {
        if (ProcessGroup is not { Size: > 1 } group) return;
        var present = gradients.Where(g => g is not null).Cast<float[]>().ToArray();
        if (present.Length == 0) return;
        var buffer = new float[present.Sum(g => g.Length)];
        int offset = 0;
        foreach (var g in present)
        {
            g.CopyTo(buffer, offset);
            offset += g.Length;
        }
        group.AllReduceSum(buffer);
        offset = 0;
        float size = group.Size;
        foreach (var g in present)
        {
            TensorPrimitives.Divide(buffer.AsSpan(offset, g.Length), size, g);
            offset += g.Length;
        }
    }

    /// <summary>The index of task <paramref name="taskName"/>.</summary>
    /// <param name="taskName">A task name.</param>
    /// <exception cref="ArgumentException">The task is unknown; the message lists the known tasks.</exception>
    public int IndexOf(string taskName)
    {
        ArgumentNullException.ThrowIfNull(taskName);
        int i = Array.IndexOf(_taskNames, taskName);
        if (i < 0)
            throw new ArgumentException($"Unknown task '{taskName}'. Known tasks: {KnownTasks()}.", nameof(taskName));
        return i;
    }

    /// <summary>Appends one finished epoch's average training loss per task to <see cref="EpochLossHistory"/>.</summary>
    /// <param name="averageLosses">One entry per task, in task order; null for a task without labels in the epoch.</param>
    /// <remarks>A loss may be negative (a Gaussian or Poisson negative log-likelihood is); it must be finite.</remarks>
    /// <exception cref="ArgumentException">The count differs from the number of tasks, or a value is not finite.</exception>
    public void RecordEpochLosses(IReadOnlyList<double?> averageLosses)
    {
        ArgumentNullException.ThrowIfNull(averageLosses);
        if (averageLosses.Count != _taskNames.Length)
            throw new ArgumentException(
                $"Got {averageLosses.Count} epoch losses for {_taskNames.Length} tasks ({KnownTasks()}); pass one per task, null for a task without labels.",
                nameof(averageLosses));
        for (int i = 0; i < averageLosses.Count; i++)
        {
            if (averageLosses[i] is double v && !double.IsFinite(v))
                throw new ArgumentException($"The epoch loss of task '{_taskNames[i]}' is {v}; epoch losses must be finite.", nameof(averageLosses));
        }
        for (int i = 0; i < averageLosses.Count; i++) _history[i].Add(averageLosses[i]);
    }

    internal void ObserveInitialLoss(int task, double value) => _initialLosses[task] ??= value;

    internal string KnownTasks() => string.Join(", ", _taskNames.Select(n => $"'{n}'"));

    /// <summary>
    /// Snapshots <see cref="Step"/>, <see cref="Epoch"/>, <see cref="InitialLosses"/> and
    /// <see cref="EpochLossHistory"/>, keyed by task name (<c>initial_loss.{task}</c>, <c>epoch_loss.{task}.{epoch}</c>).
    /// </summary>
    /// <returns>A snapshot that <see cref="LoadStateDict"/> restores.</returns>
    public WeightingStateDict StateDict()
    {
        var sd = new WeightingStateDict();
        sd.Values["step"] = Step;
        sd.Values["epoch"] = Epoch;
        sd.Values["recorded_epochs"] = RecordedEpochs;
        for (int i = 0; i < _taskNames.Length; i++)
        {
            if (_initialLosses[i] is double l0) sd.Values[$"initial_loss.{_taskNames[i]}"] = l0;
            for (int e = 0; e < _history[i].Count; e++)
            {
                if (_history[i][e] is double v) sd.Values[EpochKey(_taskNames[i], e)] = v;
            }
        }
        return sd;
    }

    /// <summary>Restores a snapshot taken by <see cref="StateDict"/> from a context with the same task names.</summary>
    /// <param name="stateDict">The snapshot.</param>
    /// <remarks>
    /// Every entry is checked before anything changes. The history is sized by <c>recorded_epochs</c>, which must be a
    /// non-negative integer of at most <see cref="MaxRecordedEpochs"/>; a caller that reads the snapshot from a file
    /// should also check it against what the file holds (the trainer checks it against the checkpoint's epoch history).
    /// </remarks>
    /// <exception cref="ArgumentException">A required entry is missing or not an integer in range, or an entry names an unknown task or epoch.</exception>
    public void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        double Required(string key) => stateDict.Values.TryGetValue(key, out var v)
            ? v
            : throw new ArgumentException($"The weighting context state has no '{key}' entry; pass a snapshot from WeightingContext.StateDict().", nameof(stateDict));
        double Counter(string key, double max)
        {
            double v = Required(key);
            if (!(v >= 0 && v <= max && v == Math.Floor(v)))
                throw new ArgumentException($"The weighting context state's '{key}' is {v}; it must be an integer from 0 to {max}.", nameof(stateDict));
            return v;
        }
        long step = (long)Counter("step", long.MaxValue / 2);
        int epoch = (int)Counter("epoch", int.MaxValue);
        int epochs = (int)Counter("recorded_epochs", MaxRecordedEpochs);
        // Keys are parsed one by one rather than enumerated from recorded_epochs, so the work and memory spent on a
        // snapshot are bounded by its own size until recorded_epochs has been checked against the entries.
        var initial = new double?[_taskNames.Length];
        var entries = new List<(int Task, int Epoch, double Value)>();
        var unexpected = new List<string>(stateDict.Tensors.Keys);
        foreach (var (key, value) in stateDict.Values)
        {
            if (key is "step" or "epoch" or "recorded_epochs") continue;
            if (key.StartsWith("initial_loss.", StringComparison.Ordinal) && Array.IndexOf(_taskNames, key["initial_loss.".Length..]) is int t and >= 0)
            {
                initial[t] = value;
                continue;
            }
            if (TryParseEpochKey(key, out int task, out int e) && e < epochs)
            {
                entries.Add((task, e, value));
                continue;
            }
            unexpected.Add(key);
        }
        if (unexpected.Count > 0)
            throw new ArgumentException(
                $"The weighting context state has entries this context does not know: {string.Join(", ", unexpected.Take(10).Select(k => $"'{k}'"))}{(unexpected.Count > 10 ? $" and {unexpected.Count - 10} more" : "")}. " +
                $"Its tasks are {KnownTasks()} and it records {epochs} epochs; load a snapshot taken with the same tasks.", nameof(stateDict));
        Step = step;
        Epoch = epoch;
        for (int i = 0; i < _taskNames.Length; i++)
        {
            _initialLosses[i] = initial[i];
            _history[i].Clear();
            _history[i].AddRange(new double?[epochs]);
        }
        foreach (var (task, e, value) in entries) _history[task][e] = value;
    }

    /// <summary>The most epochs a snapshot given to <see cref="LoadStateDict"/> may record (a bound on the memory it sizes).</summary>
    public const int MaxRecordedEpochs = 1_000_000;

    private bool TryParseEpochKey(string key, out int task, out int epoch)
    {
        task = -1;
        epoch = -1;
        const string prefix = "epoch_loss.";
        int dot = key.LastIndexOf('.');
        if (!key.StartsWith(prefix, StringComparison.Ordinal) || dot <= prefix.Length) return false;
        task = Array.IndexOf(_taskNames, key[prefix.Length..dot]);
        return task >= 0 && int.TryParse(key.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out epoch)
            && key == EpochKey(_taskNames[task], epoch);
    }

    private static string EpochKey(string task, int epoch) => $"epoch_loss.{task}.{epoch.ToString(CultureInfo.InvariantCulture)}";
}
