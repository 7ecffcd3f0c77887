using MultiTask.Engine.Tensors;

namespace MultiTask.Training;

/// <summary>
/// The base of everything that hooks into <see cref="MultiTaskTrainer.Fit"/>: history, progress, early
/// stopping, checkpoints and learning-rate schedules are callbacks. Override the hooks you need; each gets
/// the run's explicit <see cref="TrainingContext"/>.
/// </summary>
/// <remarks>
/// <para>Order per run: <see cref="OnTrainBegin"/>; per epoch <see cref="OnEpochBegin"/>, <see cref="OnBatchBegin"/>
/// before and <see cref="OnBatchEnd"/> after every batch, <see cref="OnEpochEnd"/> once the epoch's record (training and validation numbers)
/// exists; finally <see cref="OnTrainEnd"/>, also after cancellation or a stop request (not after an exception).</para>
/// <para><see cref="OnTrainBegin"/> must reset the callback's run state, because the same instance may
/// serve several runs. A callback with state that matters for resuming (a best value, a patience counter,
/// a scheduler) returns it from <see cref="StateDict"/>; checkpoints store it and resuming gives it back to
/// <see cref="LoadStateDict"/> after <see cref="OnTrainBegin"/>.</para>
/// </remarks>
public abstract class Callback
{
    /// <summary>Called once before the first epoch.</summary>
    /// <param name="context">The run's context.</param>
    public virtual void OnTrainBegin(TrainingContext context)
    {
    }

    /// <summary>Called at the start of each epoch.</summary>
    /// <param name="context">The run's context (<see cref="TrainingContext.Epoch"/> is the starting epoch).</param>
    public virtual void OnEpochBegin(TrainingContext context)
    {
    }

    /// <summary>
    /// Called before each batch's forward pass, with <see cref="TrainingContext.CurrentBatch"/> set, so that diagnostics can
    /// measure the batch at the parameters the step starts from. A callback that changes parameters here must restore them
    /// exactly, or it changes training.
    /// </summary>
    /// <param name="context">The run's context.</param>
    public virtual void OnBatchBegin(TrainingContext context)
    {
    }

    /// <summary>Called after each batch, with <see cref="TrainingContext.LastBatch"/> set.</summary>
    /// <param name="context">The run's context.</param>
    public virtual void OnBatchEnd(TrainingContext context)
    {
    }

    /// <summary>Called after each epoch, with <see cref="TrainingContext.LastEpoch"/> set.</summary>
    /// <param name="context">The run's context.</param>
    public virtual void OnEpochEnd(TrainingContext context)
    {
    }

    /// <summary>Called once when training ends (all epochs, a stop request or cancellation).</summary>
    /// <param name="context">The run's context.</param>
    public virtual void OnTrainEnd(TrainingContext context)
    {
    }

    /// <summary>The state to save in checkpoints, or null when the callback has none (the default).</summary>
    /// <returns>A snapshot (copies, not views).</returns>
    public virtual CallbackState? StateDict() => null;

    /// <summary>
    /// Checks a snapshot against the trainer it is about to be restored into, without changing anything:
    /// <see cref="MultiTaskTrainer.LoadCheckpoint"/> calls it for every callback before it changes any state, so a
    /// snapshot that does not fit is rejected while the trainer is still untouched. The default accepts any snapshot.
    /// </summary>
    /// <param name="state">The snapshot.</param>
    /// <param name="trainer">The trainer being resumed (its model, optimizer and options).</param>
    /// <param name="epochsCompleted">The number of finished epochs the checkpoint records.</param>
    /// <exception cref="ArgumentException">The snapshot does not fit; the message names the entry.</exception>
    public virtual void ValidateStateDict(CallbackState state, MultiTaskTrainer trainer, int epochsCompleted)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(trainer);
    }

    /// <summary>Restores a snapshot from <see cref="StateDict"/>; called after <see cref="OnTrainBegin"/> when resuming.</summary>
    /// <param name="state">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot does not fit this callback.</exception>
    public virtual void LoadStateDict(CallbackState state)
    {
        ArgumentNullException.ThrowIfNull(state);
    }
}

/// <summary>A callback's checkpointed state: numbers (exact doubles, ±∞ and NaN allowed) and tensors.</summary>
public sealed class CallbackState
{
    /// <summary>Counters and best values, by name.</summary>
    public Dictionary<string, double> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>Tensors (e.g. the best weights), by name.</summary>
    public Dictionary<string, Tensor> Tensors { get; } = new(StringComparer.Ordinal);

    internal void OnlyValues(string owner, bool allowTensors, params string[] keys)
    {
        var unexpected = Values.Keys.Where(k => !keys.Contains(k)).Select(k => $"value '{k}'")
            .Concat(allowTensors ? [] : Tensors.Keys.Select(k => $"tensor '{k}'")).ToList();
        if (unexpected.Count > 0)
            throw new ArgumentException($"The saved state of {owner} has {string.Join(", ", unexpected.Take(10))}, which it does not keep; it was saved by another kind of callback or altered.", "state");
    }

    /// <summary>Checks a learning-rate schedule's saved numbers: exactly the given keys plus one learning rate per group, each in range.</summary>
    internal void ExpectSchedule(string owner, int groups, bool baseLearningRates, string[] counters, string[] numbers)
    {
        var rates = Enumerable.Range(0, groups).SelectMany(g => baseLearningRates ? new[] { $"last_lr.{g}", $"base_lrs.{g}" } : [$"last_lr.{g}"]).ToArray();
        OnlyValues(owner, allowTensors: false, [.. counters, .. numbers, .. rates]);
        foreach (var key in counters) Integer(key, owner, key == "last_epoch" ? -1 : 0, int.MaxValue);
        foreach (var key in numbers) Required(key, owner);
        foreach (var key in rates)
        {
            double v = Required(key, owner);
            if (!(v >= 0 && double.IsFinite(v)))
                throw new ArgumentException($"The saved state of {owner} has '{key}' = {v}; a learning rate must be finite and non-negative.", "state");
        }
    }

    internal int Integer(string key, string owner, int min, int max)
    {
        double v = Required(key, owner);
        if (!(v >= min && v <= max && v == Math.Floor(v)))
            throw new ArgumentException($"The saved state of {owner} has '{key}' = {v}; it must be an integer from {min} to {max}.", "state");
        return (int)v;
    }

    internal double Required(string key, string owner) => Values.TryGetValue(key, out var v) ? v
        : throw new ArgumentException($"The saved state of {owner} has no '{key}'; it was saved by another kind of callback.", "state");
}
