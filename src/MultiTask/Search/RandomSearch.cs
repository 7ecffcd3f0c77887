namespace MultiTask.Search;

/// <summary>Evaluates configurations drawn independently from the space, all at one budget.</summary>
/// <remarks>
/// Random search (Bergstra and Bengio 2012) spends every trial on a new value of every parameter, so the
/// few parameters that matter are explored far better than on a grid of the same size. Draws are
/// independent, so a finite space can yield the same configuration twice.
/// </remarks>
public sealed class RandomSearch : SearchStrategy
{
    /// <summary>Creates a random search.</summary>
    /// <param name="trials">The number of configurations, at least 1.</param>
    /// <param name="budget">The budget every configuration gets (e.g. epochs), at least 1.</param>
    /// <param name="options">The shared settings.</param>
    public RandomSearch(int trials, int budget = 1, SearchOptions? options = null) : base(options)
    {
        if (trials < 1) throw new ArgumentOutOfRangeException(nameof(trials), trials, $"RandomSearch needs at least 1 trial, got {trials}.");
        if (budget < 1) throw new ArgumentOutOfRangeException(nameof(budget), budget, $"RandomSearch budget must be at least 1, got {budget}.");
        Trials = trials;
        Budget = budget;
    }

    /// <summary>The number of configurations.</summary>
    public int Trials { get; }

    /// <summary>The budget every configuration gets.</summary>
    public int Budget { get; }

    /// <inheritdoc />
    protected override int CountEvaluations(SearchSpace space) => Trials;

    /// <inheritdoc />
    protected override void Search(SearchSpace space, TrialRunner runner) =>
        runner.Evaluate(Enumerable.Range(0, Trials).Select(_ => runner.NewTrial(space.Sample(runner.Generator))).ToArray(), Budget);
}
