using MultiTask.Data;
using MultiTask.Metrics;

namespace MultiTask.Search;

/// <summary>
/// What the objective receives for one fold of one trial: the configuration, the budget, the fold's
/// training part to fit on and validation part to score on, a seed and the cancellation token.
/// </summary>
public sealed class TrialFold
{
    internal TrialFold(Trial trial, int budget, int fold, int foldCount, MultiTaskDataset train, MultiTaskDataset validation,
        ulong seed, MetricDirection direction, CancellationToken cancellationToken)
    {
        Trial = trial;
        Budget = budget;
        Fold = fold;
        FoldCount = foldCount;
        Train = train;
        Validation = validation;
        Seed = seed;
        Direction = direction;
        CancellationToken = cancellationToken;
    }

    /// <summary>The configuration.</summary>
    public Trial Trial { get; }

    /// <summary>The budget the objective spends (its own unit, e.g. epochs): fixed for grid and random search, growing by rung in successive halving.</summary>
    public int Budget { get; }

    /// <summary>The fold, 0-based.</summary>
    public int Fold { get; }

    /// <summary>The number of folds.</summary>
    public int FoldCount { get; }

    /// <summary>The fold's training part: fit everything (encoder, model) on it alone.</summary>
    public MultiTaskDataset Train { get; }

    /// <summary>The fold's validation part: score on it.</summary>
    public MultiTaskDataset Validation { get; }

    /// <summary>A seed for this trial and fold (model initialisation, shuffling), the same at every budget.</summary>
    public ulong Seed { get; }

    /// <summary>Which way the score improves (<see cref="SearchOptions.Direction"/>).</summary>
    public MetricDirection Direction { get; }

    /// <summary>Cancelled when the search is; pass it to long work such as <c>MultiTaskTrainer.Fit</c>.</summary>
    public CancellationToken CancellationToken { get; }
}
