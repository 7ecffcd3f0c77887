namespace MultiTask.Search;

/// <summary>
/// Evaluates every combination of the parameters' grid values (the Cartesian product, last parameter
/// varying fastest) at one budget.
/// </summary>
/// <remarks>
/// Continuous parameters need an explicit grid (<c>LogUniform("lr", 1e-4, 1e-1, grid: [1e-4, 1e-3, 1e-2])</c>);
/// the search fails early, naming them, otherwise. Grids grow multiplicatively: beyond a handful of
/// parameters <see cref="RandomSearch"/> covers each dimension better for the same cost (Bergstra and
/// Bengio 2012).
/// </remarks>
public sealed class GridSearch : SearchStrategy
{
    /// <summary>Creates a grid search.</summary>
    /// <param name="budget">The budget every configuration gets (e.g. epochs), at least 1.</param>
    /// <param name="options">The shared settings.</param>
    public GridSearch(int budget = 1, SearchOptions? options = null) : base(options)
    {
        if (budget < 1) throw new ArgumentOutOfRangeException(nameof(budget), budget, $"GridSearch budget must be at least 1, got {budget}.");
        Budget = budget;
    }

    /// <summary>The budget every configuration gets.</summary>
    public int Budget { get; }

    /// <inheritdoc />
    protected override int CountEvaluations(SearchSpace space) => checked((int)space.GridSize);

    /// <inheritdoc />
    protected override void Search(SearchSpace space, TrialRunner runner) =>
        runner.Evaluate(space.GridPoints().Select(runner.NewTrial).ToArray(), Budget);
}
