using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Training;

/// <summary>Everything <see cref="MultiTaskTrainer"/> needs besides the model and the data.</summary>
/// <remarks>
/// Losses and metrics come from each task's <see cref="Tasks.TaskSpec"/>. The weighting strategy, the
/// sampler and the callbacks are stateful objects: give each trainer its own instances (a fresh
/// <c>new TrainerOptions { ... }</c> per trainer does that).
/// </remarks>
public sealed record TrainerOptions
{
    /// <summary>The total number of epochs (counting epochs restored from a checkpoint). Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per training batch. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Rows per batch when evaluating and predicting (does not change results). Default 512.</summary>
    public int EvaluationBatchSize { get; init; } = 512;

    /// <summary>The seed of the data loader's shuffling and task draws. Same seed, same model initialisation, same data: bit-identical training.</summary>
    public ulong Seed { get; init; }

    /// <summary>The optimizer, built over the model's parameters and the weighting's learned weights. Default Adam with learning rate 1e-3.</summary>
    public OptimizerOptions Optimizer { get; init; } = new AdamOptions();

    /// <summary>How the per-task losses are combined into gradients. Default <see cref="EqualWeighting"/>.</summary>
    public LossWeighting Weighting { get; init; } = new EqualWeighting();

    /// <summary>A task sampler for per-task batches, or null for joint batches (every row once per epoch). It is updated with per-task validation losses after every epoch (training losses without validation data).</summary>
    public TaskSampler? Sampler { get; init; }

    /// <summary>The callbacks, called in order after the built-in ones (history, <see cref="TerminateOnNonFinite"/>, progress).</summary>
    public IReadOnlyList<Callback> Callbacks { get; init; } = [];

    /// <summary>An L1/L2 term λ·R(θ) added to the objective, or null.</summary>
    public Regularization? Regularization { get; init; }

    /// <summary>If set, the joint gradient norm of all trained parameters is clipped to this value before each optimizer step.</summary>
    public double? GradientClipNorm { get; init; }

    /// <summary>Whether a non-finite task loss stops training with a <see cref="TrainingDivergedException"/> (default true). When false, such a batch is skipped without an optimizer step and counted in the epoch's <c>skipped_steps</c>.</summary>
    public bool TerminateOnNonFinite { get; init; } = true;

    /// <summary>
    /// Further random streams the model draws from while training (e.g. the generator given to its dropout
    /// layers), saved in checkpoints and restored on resume so that resumed training stays bit-exact.
    /// </summary>
    public IReadOnlyList<Generator> Generators { get; init; } = [];

    /// <summary>Checks the options; throws an exception naming the first invalid one and the fix.</summary>
    /// <exception cref="ArgumentException">An option is out of range or missing.</exception>
    public void Validate()
    {
        if (Epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, $"Epochs must be at least 1, got {Epochs}.");
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"BatchSize must be at least 1, got {BatchSize}.");
        if (EvaluationBatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), EvaluationBatchSize, $"EvaluationBatchSize must be at least 1, got {EvaluationBatchSize}.");
        if (Optimizer is null) throw new ArgumentException("TrainerOptions.Optimizer is null; set it, e.g. new AdamOptions { LearningRate = 1e-3 }.", nameof(Optimizer));
        Optimizer.Validate();
        if (Weighting is null) throw new ArgumentException("TrainerOptions.Weighting is null; set it, e.g. new EqualWeighting().", nameof(Weighting));
        if (Callbacks is null || Callbacks.Any(c => c is null))
            throw new ArgumentException("TrainerOptions.Callbacks is null or contains null; pass a list of callbacks (or leave the default, empty).", nameof(Callbacks));
        if (Callbacks.Distinct(ReferenceEqualityComparer.Instance).Count() != Callbacks.Count)
            throw new ArgumentException("TrainerOptions.Callbacks contains the same callback instance twice; pass each once.", nameof(Callbacks));
        if (GradientClipNorm is double clip && !(clip > 0 && double.IsFinite(clip)))
            throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), clip, $"GradientClipNorm must be positive and finite, got {clip}; use null for no clipping.");
        if (Generators is null || Generators.Any(g => g is null))
            throw new ArgumentException("TrainerOptions.Generators is null or contains null.", nameof(Generators));
    }
}
