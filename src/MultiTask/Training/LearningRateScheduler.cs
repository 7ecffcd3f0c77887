using MultiTask.Engine.Optim;

namespace MultiTask.Training;

/// <summary>When a <see cref="LearningRateScheduler"/> advances its schedule.</summary>
public enum SchedulerInterval
{
    /// <summary>After every epoch (e.g. <see cref="StepLR"/> counted in epochs).</summary>
    Epoch,

    /// <summary>After every optimizer step (e.g. <see cref="OneCycleLR"/> over all steps).</summary>
    Batch,
}

/// <summary>Drives an engine <see cref="LRScheduler"/> from the training loop.</summary>
/// <remarks>
/// The factory runs at the start of training with the trainer's optimizer, e.g.
/// <c>new LearningRateScheduler(o =&gt; new StepLR(o, stepSize: 10, gamma: 0.5))</c>. The scheduler steps
/// after each epoch or each optimizer step; an epoch's record holds the rate used during the epoch.
/// Its state is checkpointed, so resuming continues the schedule.
/// </remarks>
public sealed class LearningRateScheduler : Callback
{
    private readonly Func<Optimizer, LRScheduler> _factory;

    /// <summary>Creates the callback.</summary>
    /// <param name="factory">Builds the scheduler over the trainer's optimizer.</param>
    /// <param name="interval">When the scheduler steps.</param>
    public LearningRateScheduler(Func<Optimizer, LRScheduler> factory, SchedulerInterval interval = SchedulerInterval.Epoch)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (!Enum.IsDefined(interval)) throw new ArgumentOutOfRangeException(nameof(interval), interval, "Use SchedulerInterval.Epoch or SchedulerInterval.Batch.");
        _factory = factory;
        Interval = interval;
    }

    /// <summary>When the scheduler steps.</summary>
    public SchedulerInterval Interval { get; }

    /// <summary>The scheduler of the current run, or null before training.</summary>
    public LRScheduler? Scheduler { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scheduler = _factory(context.Optimizer)
            ?? throw new InvalidOperationException("The LearningRateScheduler factory returned null; return a scheduler over the optimizer it is given.");
        if (!ReferenceEquals(scheduler.Optimizer, context.Optimizer))
            throw new InvalidOperationException("The LearningRateScheduler factory built a scheduler over another optimizer; use the optimizer it is given.");
        Scheduler = scheduler;
    }

    /// <inheritdoc />
    public override void OnBatchEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Interval == SchedulerInterval.Batch && context.LastBatch is { StepTaken: true }) Scheduler?.Step();
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context)
    {
        if (Interval == SchedulerInterval.Epoch) Scheduler?.Step();
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
        state.ExpectSchedule(nameof(LearningRateScheduler), trainer.Optimizer.ParamGroups.Count, baseLearningRates: true, ["last_epoch"], []);
    }

    /// <inheritdoc />
    public override void LoadStateDict(CallbackState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var scheduler = Scheduler ?? throw new InvalidOperationException("LearningRateScheduler state can only be loaded after training has begun.");
        scheduler.LoadStateDict(state.Values);
    }
}
