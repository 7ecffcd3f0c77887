using MultiTask.Training;

namespace MultiTask.Transfer;

/// <summary>
/// A callback that keeps the model's shared parameters frozen before epoch <see cref="Epoch"/> and trainable from it on
/// (stage 1 and stage 2 of <see cref="FineTuning"/>).
/// </summary>
/// <remarks>
/// It sets the state at the start of every run and every epoch from the epoch number alone, so it needs no checkpointed
/// state: a run resumed from a checkpoint is frozen or not exactly as the original run was at that epoch. The optimizer
/// skips frozen parameters and picks them up again once unfrozen, in whatever parameter group they belong to.
/// </remarks>
public sealed class UnfreezeShared : Callback
{
    /// <summary>Creates the callback.</summary>
    /// <param name="epoch">The first epoch (0-based) in which the shared parameters train.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative epoch.</exception>
    public UnfreezeShared(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
    }

    /// <summary>The first epoch in which the shared parameters train.</summary>
    public int Epoch { get; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context) => Apply(context);

    /// <inheritdoc />
    public override void OnEpochBegin(TrainingContext context) => Apply(context);

    private void Apply(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Epoch < Epoch) context.Model.FreezeShared();
        else context.Model.UnfreezeShared();
    }
}
