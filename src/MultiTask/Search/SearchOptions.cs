using MultiTask.Metrics;

namespace MultiTask.Search;

/// <summary>The settings every search strategy shares.</summary>
public sealed record SearchOptions
{
    /// <summary>
    /// The seed of the configurations drawn, of the folds built from a dataset and of every trial's
    /// <see cref="Trial.Seed"/>. Same seed and a deterministic objective: the same results, bit for bit.
    /// </summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// The most folds evaluated at once (default <see cref="Environment.ProcessorCount"/>). It changes only
    /// the wall-clock time: configurations are drawn before evaluation and results are kept in trial order.
    /// </summary>
    public int MaxParallel { get; init; } = Environment.ProcessorCount;

    /// <summary>Which way the score improves. Default <see cref="MetricDirection.LowerIsBetter"/> (losses, errors).</summary>
    public MetricDirection Direction { get; init; } = MetricDirection.LowerIsBetter;

    /// <summary>Checks the options; throws an exception naming the invalid one and the fix.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (MaxParallel < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxParallel), MaxParallel, $"SearchOptions.MaxParallel must be at least 1, got {MaxParallel}.");
        if (!Enum.IsDefined(Direction))
            throw new ArgumentOutOfRangeException(nameof(Direction), Direction, "SearchOptions.Direction must be LowerIsBetter or HigherIsBetter.");
    }
}
