using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Training;

/// <summary>Everything <see cref="MultiTaskTrainer"/> needs besides the model and the data.</summary>
/// <remarks>
/// Losses and metrics come from each task's <see cref="Tasks.TaskSpec"/>. The weighting strategy, the
/// sampler and the callbacks are stateful objects: give each trainer its own instances (a fresh
/// <c>new TrainerOptions { ... }</c> per trainer does that). A trainer refuses a weighting strategy that
/// another trainer already holds (<see cref="LossWeighting.Initialize"/>), because its learned weights
/// and loss history belong to that run; a sampler is reset whenever a trainer builds its data loader and
/// callbacks reset at the start of each <see cref="MultiTaskTrainer.Fit"/>, so reusing those for trainers
/// that run one after another is safe, but never for trainers that run at the same time.
/// </remarks>
public sealed record TrainerOptions
{
    /// <summary>The total number of epochs (counting epochs restored from a checkpoint). Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>
    /// The <see cref="BatchSize"/> that means one batch of all training rows per epoch (full-batch gradient
    /// descent: one optimizer step per epoch, no shuffling noise). Needs joint batches (<see cref="Sampler"/> = null).
    /// </summary>
    public const int FullBatch = int.MaxValue;

    /// <summary>Rows per training batch, or <see cref="FullBatch"/> for all rows in one batch. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Rows per batch when evaluating and predicting (does not change results). Default 512.</summary>
    public int EvaluationBatchSize { get; init; } = 512;

    /// <summary>The seed of the data loader's shuffling and task draws. Same seed, same model initialisation, same data: bit-identical training.</summary>
    public ulong Seed { get; init; }

    /// <summary>The optimizer, built over the model's parameters and the weighting's learned weights. Default Adam with learning rate 1e-3.</summary>
    public OptimizerOptions Optimizer { get; init; } = new AdamOptions();

    /// <summary>
    /// Learning rate and weight decay per parameter role or block, e.g.
    /// <c>[new ParameterGroupOptions(ParameterRole.Task) { WeightDecay = 0.1 }, new ParameterGroupOptions("backbone.0") { LearningRate = 1e-4 }]</c>.
    /// Each trained parameter joins the first entry that selects it; the others stay in the default group, which
    /// uses <see cref="Optimizer"/>'s settings. The optimizer's <see cref="Engine.Optim.Optimizer.ParamGroups"/> are the default
    /// group first, then one group per entry in this order (learning-rate schedulers scale each from its own rate).
    /// Default: none.
    /// </summary>
    public IReadOnlyList<ParameterGroupOptions> ParameterGroups { get; init; } = [];

    /// <summary>
    /// When <see cref="MultiTaskTrainer.Fit"/> gets no validation data: the fraction of the training rows held
    /// out as validation data (Keras' <c>validation_split</c>), in [0, 1). The held-out rows are drawn with
    /// <see cref="Seed"/>, per task: about this fraction of each task's labelled rows, while every task keeps
    /// at least one training label; a task with too few labels for one held-out row keeps all its rows in
    /// training. Held-out rows never reach a gradient; they feed the <c>val_*</c> losses and metrics, early
    /// stopping and the report's final validation. Ignored when validation data is passed. Default 0 (none).
    /// </summary>
    public double ValidationSplit { get; init; }

    /// <summary>
    /// The most threads a matrix product may use while this trainer fits, evaluates or predicts on the calling
    /// thread (see <see cref="Engine.EngineOptions.MaxThreads"/>, restored afterwards); null keeps the engine's
    /// setting (default: all processors). Does not change results.
    /// </summary>
    public int? MaxThreads { get; init; }

    /// <summary>How the per-task losses are combined into gradients. Default <see cref="EqualWeighting"/>.</summary>
    public LossWeighting Weighting { get; init; } = new EqualWeighting();

    /// <summary>
    /// Group-robust training (<see cref="Training.GroupDro"/>): each task's loss weights the groups of the training rows
    /// (<see cref="EncodedData.Groups"/>) towards the worst; null (the default) for the plain mean over rows.
    /// </summary>
    public GroupDro? GroupDro { get; init; }

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

    /// <summary>
    /// The processes that train this model together by data parallelism (e.g. an <c>MpiProcessGroup</c> from the
    /// MultiTask.Distributed package), or null (the default) to train in this process alone. With a group of N &gt; 1
    /// ranks, every rank draws the same global batches (same <see cref="Seed"/> and data), trains on its shard of each
    /// (rows r, r + N, r + 2N, … of the global batch), and the reduced gradients make every step the step one process
    /// would take on the whole global batch; only rank 0 writes checkpoints. See docs/distributed.md.
    /// </summary>
    public ProcessGroup? ProcessGroup { get; init; }

    /// <summary>Checks the options; throws an exception naming the first invalid one and the fix.</summary>
    /// <exception cref="ArgumentException">An option is out of range or missing.</exception>
    public void Validate()
    {
        if (Epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, $"Epochs must be at least 1, got {Epochs}.");
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"BatchSize must be at least 1, got {BatchSize}.");
        if (BatchSize == FullBatch && Sampler is not null)
            throw new ArgumentException(
                "BatchSize = TrainerOptions.FullBatch means one joint batch of all rows per epoch, but a Sampler draws per-task batches; set Sampler = null or give a batch size.",
                nameof(BatchSize));
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
        if (ParameterGroups is null || ParameterGroups.Any(g => g is null))
            throw new ArgumentException("TrainerOptions.ParameterGroups is null or contains null; pass a list of ParameterGroupOptions (or leave the default, empty).", nameof(ParameterGroups));
        for (int i = 0; i < ParameterGroups.Count; i++) ParameterGroups[i].Validate(i);
        if (!(ValidationSplit >= 0 && ValidationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(ValidationSplit), ValidationSplit,
                $"ValidationSplit must be in [0, 1), got {ValidationSplit}; e.g. 0.15 holds out 15% of each task's labelled rows, 0 holds out none.");
        // Group-robust losses weight groups by their loss over the whole batch, which the per-rank masked means do not give.
        if (ProcessGroup is { Size: > 1 } && GroupDro is not null)
            throw new ArgumentException("GroupDro is not supported with a ProcessGroup of more than one process; train group-robust models in one process.", nameof(GroupDro));
        if (MaxThreads is int threads && threads < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxThreads), threads, $"MaxThreads must be at least 1, got {threads}; use null for the engine's setting.");
    }
}
