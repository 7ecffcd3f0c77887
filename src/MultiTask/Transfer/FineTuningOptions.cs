namespace MultiTask.Transfer;

/// <summary>The two stages of <see cref="FineTuning"/>: epochs with the shared part frozen, then epochs with it trainable at a lower rate.</summary>
public sealed record FineTuningOptions
{
    /// <summary>Stage 1: epochs in which only the task parameters train (the shared parameters frozen). Default 20.</summary>
    public int FrozenEpochs { get; init; } = 20;

    /// <summary>Stage 2: epochs in which the shared parameters train too, at <see cref="SharedLearningRateFactor"/> times the optimizer's rate; 0 for none. Default 20.</summary>
    public int UnfrozenEpochs { get; init; } = 20;

    /// <summary>The shared parameters' learning rate in stage 2 as a fraction of the optimizer's learning rate (which the new heads keep). Default 0.1.</summary>
    public double SharedLearningRateFactor { get; init; } = 0.1;

    /// <summary>Checks the options; throws an exception naming the first invalid one.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative epoch count, no epoch at all, or a factor outside [0, ∞).</exception>
    public void Validate()
    {
        if (FrozenEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(FrozenEpochs), FrozenEpochs, $"FrozenEpochs must be at least 0, got {FrozenEpochs}.");
        if (UnfrozenEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(UnfrozenEpochs), UnfrozenEpochs, $"UnfrozenEpochs must be at least 0, got {UnfrozenEpochs}.");
        if (FrozenEpochs + UnfrozenEpochs == 0)
            throw new ArgumentOutOfRangeException(nameof(FrozenEpochs), 0, "FrozenEpochs + UnfrozenEpochs is 0; fine-tuning needs at least one epoch.");
        if (!(SharedLearningRateFactor >= 0 && double.IsFinite(SharedLearningRateFactor)))
            throw new ArgumentOutOfRangeException(nameof(SharedLearningRateFactor), SharedLearningRateFactor,
                $"SharedLearningRateFactor must be finite and non-negative, got {SharedLearningRateFactor}; e.g. 0.1 trains the shared part ten times slower than the heads.");
    }
}
