using MultiTask.Architectures;

namespace MultiTask.Recipes;

/// <summary>
/// The settings of <see cref="TabularRecipe"/>. The defaults are the recommended configuration, chosen once on
/// the project's real-data comparison (docs/samples.md) and used unchanged for every data set there.
/// </summary>
public sealed record TabularRecipeOptions
{
    /// <summary>Independently seeded members whose predictions are averaged. Default 5.</summary>
    public int Members { get; init; } = 5;

    /// <summary>The hidden sizes of the shared MLP trunk. Default [128, 128].</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [128, 128];

    /// <summary>Dropout after each hidden layer. Default 0.1.</summary>
    public float Dropout { get; init; } = 0.1f;

    /// <summary>AdamW's learning rate. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>AdamW's decoupled weight decay on the trunk and heads. Default 1e-4.</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>The most epochs of full-batch training; the learning rate follows a cosine from <see cref="LearningRate"/> to 0 over them. Default 500.</summary>
    public int MaxEpochs { get; init; } = 500;

    /// <summary>Epochs without a better validation loss before a member stops (its best weights are restored). Default 50.</summary>
    public int Patience { get; init; } = 50;

    /// <summary>The share of each task's training rows a member holds out for early stopping (its own draw per member). Default 0.15.</summary>
    public double ValidationSplit { get; init; } = 0.15;

    /// <summary>
    /// Whether the model has a linear path from the inputs to each task, started at ridge-regression solutions and
    /// kept fixed (<see cref="RidgeWarmStart"/>), so that the network learns only what a linear model cannot.
    /// Needs one-output tasks (regression or binary). Default true.
    /// </summary>
    public bool RidgeWarmStart { get; init; } = true;

    /// <summary>Periodic embeddings of the numeric features as the trunk's input layer; null (the default) for none.</summary>
    public PeriodicEmbeddingOptions? NumericEmbedding { get; init; }

    /// <summary>How the tasks share what they learn: one multi-task network (the default), one network per task, or one pooled network.</summary>
    public TaskSharing Sharing { get; init; } = TaskSharing.MultiTask;

    /// <summary>The tasks to learn (e.g. one task for a single-task baseline); null for every task with training labels.</summary>
    public IReadOnlyList<string>? Tasks { get; init; }

    /// <summary>The seed of member 0; member i uses <c>Seed + i</c> for its weights, data order and validation rows.</summary>
    public ulong Seed { get; init; }

    /// <summary>The most members trained at once; null for one per processor. Results do not depend on it.</summary>
    public int? MaxParallel { get; init; }

    /// <summary>Checks the settings; throws an exception naming the first invalid one and the fix.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (Members < 1) throw new ArgumentOutOfRangeException(nameof(Members), Members, $"Members must be at least 1, got {Members}.");
        if (Hidden is null || Hidden.Any(h => h < 1))
            throw new ArgumentException("Hidden must list positive layer widths, e.g. [128, 128] (empty for a linear model on top of the wide path).", nameof(Hidden));
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"Dropout must be in [0, 1), got {Dropout}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"LearningRate must be positive and finite, got {LearningRate}.");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"WeightDecay must be finite and non-negative, got {WeightDecay}.");
        if (MaxEpochs < 1) throw new ArgumentOutOfRangeException(nameof(MaxEpochs), MaxEpochs, $"MaxEpochs must be at least 1, got {MaxEpochs}.");
        if (Patience < 1) throw new ArgumentOutOfRangeException(nameof(Patience), Patience, $"Patience must be at least 1, got {Patience}.");
        if (!(ValidationSplit > 0 && ValidationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(ValidationSplit), ValidationSplit, $"ValidationSplit must be in (0, 1) (early stopping needs held-out rows), got {ValidationSplit}.");
        if (!Enum.IsDefined(Sharing)) throw new ArgumentOutOfRangeException(nameof(Sharing), Sharing, $"Unknown sharing {Sharing}; use MultiTask, SingleTask or Pooled.");
        if (MaxParallel is < 1) throw new ArgumentOutOfRangeException(nameof(MaxParallel), MaxParallel, $"MaxParallel must be at least 1, got {MaxParallel}.");
    }
}
