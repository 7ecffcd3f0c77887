namespace MultiTask.Baselines.Trees;

/// <summary>
/// Hyper-parameters of <see cref="GradientBoostedTrees"/>. The defaults are those of ML.NET's
/// FastTree trainers (100 trees, 20 leaves, learning rate 0.2, at least 10 rows per leaf, seed 123),
/// so a baseline fitted with default options is the one an ML.NET user gets out of the box.
/// </summary>
public sealed record GradientBoostedTreesOptions
{
    /// <summary>Per-task models (default) or one pooled model with a task indicator.</summary>
    public GradientBoostedTreesMode Mode { get; init; } = GradientBoostedTreesMode.PerTask;

    /// <summary>
    /// The tasks to fit, by name, or null (default) for every task of the data. Leave out tasks the
    /// trees do not support (multiclass, multilabel, custom; binary in pooled mode).
    /// </summary>
    public IReadOnlyList<string>? Tasks { get; init; }

    /// <summary>The number of boosting rounds, one tree each (ML.NET default 100).</summary>
    public int NumberOfTrees { get; init; } = 100;

    /// <summary>The maximum number of leaves per tree (ML.NET default 20; at least 2).</summary>
    public int NumberOfLeaves { get; init; } = 20;

    /// <summary>The shrinkage applied to each tree's output (ML.NET default 0.2; in (0, 1]).</summary>
    public double LearningRate { get; init; } = 0.2;

    /// <summary>The minimum number of training rows in a leaf (ML.NET default 10; at least 1).</summary>
    public int MinimumExampleCountPerLeaf { get; init; } = 10;

    /// <summary>
    /// The seed of ML.NET's random number generators (FastTree's default 123). Training runs on one
    /// thread, so the same seed and data give the same predictions.
    /// </summary>
    public int Seed { get; init; } = 123;

    /// <summary>Checks every option; throws an <see cref="ArgumentException"/> naming the option and the fix.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode))
            throw new ArgumentException($"GradientBoostedTreesOptions.Mode {(int)Mode} is unknown; use PerTask or Pooled.", nameof(Mode));
        if (NumberOfTrees < 1)
            throw new ArgumentException($"GradientBoostedTreesOptions.NumberOfTrees must be at least 1, got {NumberOfTrees}.", nameof(NumberOfTrees));
        if (NumberOfLeaves < 2)
            throw new ArgumentException($"GradientBoostedTreesOptions.NumberOfLeaves must be at least 2, got {NumberOfLeaves}.", nameof(NumberOfLeaves));
        if (!(LearningRate > 0 && LearningRate <= 1))
            throw new ArgumentException($"GradientBoostedTreesOptions.LearningRate must be in (0, 1], got {LearningRate}.", nameof(LearningRate));
        if (MinimumExampleCountPerLeaf < 1)
            throw new ArgumentException(
                $"GradientBoostedTreesOptions.MinimumExampleCountPerLeaf must be at least 1, got {MinimumExampleCountPerLeaf}.", nameof(MinimumExampleCountPerLeaf));
        if (Tasks is not null)
        {
            if (Tasks.Count == 0)
                throw new ArgumentException("GradientBoostedTreesOptions.Tasks is empty; list at least one task, or leave it null for every task.", nameof(Tasks));
            if (Tasks.Distinct(StringComparer.Ordinal).Count() != Tasks.Count)
                throw new ArgumentException($"GradientBoostedTreesOptions.Tasks lists a task twice ({string.Join(", ", Tasks)}); list each once.", nameof(Tasks));
        }
    }
}
