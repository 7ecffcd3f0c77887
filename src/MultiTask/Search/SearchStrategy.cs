using MultiTask.Data;
using MultiTask.Engine.Tensors;

namespace MultiTask.Search;

/// <summary>
/// A hyper-parameter search: the strategy decides which configurations to evaluate at which budget; the
/// base scores each on every cross-validation fold (in parallel), records failures and builds the
/// <see cref="SearchResult"/>.
/// </summary>
/// <remarks>
/// Scores come from folds of the training data only, so the test set never influences the choice and the
/// winning score is not an optimistic test estimate. Configurations are drawn on the calling thread before
/// they are evaluated and results are kept in proposal order, so the results do not depend on
/// <see cref="SearchOptions.MaxParallel"/>.
/// </remarks>
public abstract class SearchStrategy
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="options">The shared settings (default: <c>new SearchOptions()</c>).</param>
    protected SearchStrategy(SearchOptions? options)
    {
        Options = options ?? new SearchOptions();
        Options.Validate();
    }

    /// <summary>The shared settings.</summary>
    public SearchOptions Options { get; }

    /// <summary>
    /// Searches with k-fold cross-validation on <paramref name="train"/> (stratified by task,
    /// <see cref="MultiTaskDataset.KFold(int, Generator, IReadOnlyCollection{string})"/> shuffled by <see cref="SearchOptions.Seed"/>).
    /// </summary>
    /// <param name="space">The hyper-parameters.</param>
    /// <param name="train">The training data only; keep the test set out of the search.</param>
    /// <param name="folds">The number of folds, at least 2.</param>
    /// <param name="objective">Scores one configuration on one fold (see <see cref="SearchObjective.Train"/> for the usual one).</param>
    /// <param name="progress">Receives a report after each evaluation; optional.</param>
    /// <param name="cancellationToken">Stops the search between folds (running folds get the token too).</param>
    /// <returns>Every evaluation and the best configuration.</returns>
    /// <exception cref="InvalidOperationException">Every evaluation failed (the message quotes the first failure).</exception>
    /// <exception cref="OperationCanceledException">The search was cancelled.</exception>
    public SearchResult Run(SearchSpace space, MultiTaskDataset train, int folds, Func<TrialFold, double> objective,
        IProgress<SearchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        return Run(space, train.KFold(folds, new Generator(Options.Seed)), objective, progress, cancellationToken);
    }

    /// <summary>Searches with the given (training part, validation part) folds, e.g. your own grouped or time-ordered folds.</summary>
    /// <param name="space">The hyper-parameters.</param>
    /// <param name="folds">The folds, at least one; every evaluation scores every fold and averages.</param>
    /// <param name="objective">Scores one configuration on one fold.</param>
    /// <param name="progress">Receives a report after each evaluation; optional.</param>
    /// <param name="cancellationToken">Stops the search between folds.</param>
    /// <returns>Every evaluation and the best configuration.</returns>
    /// <exception cref="InvalidOperationException">Every evaluation failed (the message quotes the first failure).</exception>
    /// <exception cref="OperationCanceledException">The search was cancelled.</exception>
    public SearchResult Run(SearchSpace space, IReadOnlyList<(MultiTaskDataset Train, MultiTaskDataset Validation)> folds, Func<TrialFold, double> objective,
        IProgress<SearchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(folds);
        ArgumentNullException.ThrowIfNull(objective);
        if (folds.Count == 0)
            throw new ArgumentException("The search needs at least one (Train, Validation) fold; use data.KFold(k, seed) or pass the training data and k.", nameof(folds));
        for (int f = 0; f < folds.Count; f++)
            if (folds[f].Train is null || folds[f].Validation is null)
                throw new ArgumentException($"Fold {f} has a null training or validation part.", nameof(folds));
        if (space.Parameters.Count == 0)
            throw new ArgumentException("The search space is empty; add parameters with Uniform, LogUniform, Int, Choice or Fixed.", nameof(space));
        var runner = new TrialRunner(space, Options, folds, objective, progress, CountEvaluations(space), cancellationToken);
        Search(space, runner);
        return new SearchResult(runner.Results, folds.Count, Options.Direction);
    }

    /// <summary>How many evaluations (configuration × budget) the search will run, for progress reports.</summary>
    /// <param name="space">The hyper-parameters.</param>
    /// <returns>The count.</returns>
    protected abstract int CountEvaluations(SearchSpace space);

    /// <summary>Proposes configurations through <paramref name="runner"/> and has them evaluated.</summary>
    /// <param name="space">The hyper-parameters.</param>
    /// <param name="runner">Creates trials and evaluates batches of them.</param>
    protected abstract void Search(SearchSpace space, TrialRunner runner);
}
