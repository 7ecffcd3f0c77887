namespace MultiTask.Search;

/// <summary>
/// Successive halving: draws <see cref="Configurations"/> configurations, evaluates them all at
/// <see cref="MinBudget"/>, keeps the best 1/η, multiplies the budget by η, and repeats until the budget
/// reaches <see cref="MaxBudget"/>.
/// </summary>
/// <remarks>
/// Jamieson and Talwalkar 2016, "Non-stochastic Best Arm Identification and Hyperparameter Optimization";
/// the inner loop of Hyperband (Li et al. 2017). Most configurations are dropped after a cheap look, so the
/// full budget is spent on the few that looked best. With 27 configurations, η = 3 and budgets 1..27 the
/// rungs are 27 × 1, 9 × 3, 3 × 9 and 1 × 27. At least one configuration always survives, and the last rung
/// runs at exactly <see cref="MaxBudget"/>. Failed evaluations rank last; ties keep the earlier configuration.
/// The result's best trial is the best evaluation at the largest budget.
/// </remarks>
public sealed class SuccessiveHalving : SearchStrategy
{
    /// <summary>Creates a successive-halving search.</summary>
    /// <param name="configurations">The configurations drawn for the first rung, at least 1.</param>
    /// <param name="minBudget">The first rung's budget, at least 1.</param>
    /// <param name="maxBudget">The last rung's budget, at least <paramref name="minBudget"/>.</param>
    /// <param name="eta">The reduction factor η ≥ 2: each rung keeps the best 1/η and multiplies the budget by η.</param>
    /// <param name="options">The shared settings.</param>
    public SuccessiveHalving(int configurations, int minBudget, int maxBudget, int eta = 3, SearchOptions? options = null) : base(options)
    {
        if (configurations < 1)
            throw new ArgumentOutOfRangeException(nameof(configurations), configurations, $"SuccessiveHalving needs at least 1 configuration, got {configurations}.");
        if (minBudget < 1)
            throw new ArgumentOutOfRangeException(nameof(minBudget), minBudget, $"SuccessiveHalving minBudget must be at least 1, got {minBudget}.");
        if (maxBudget < minBudget)
            throw new ArgumentOutOfRangeException(nameof(maxBudget), maxBudget, $"SuccessiveHalving maxBudget ({maxBudget}) must be at least minBudget ({minBudget}).");
        if (eta < 2)
            throw new ArgumentOutOfRangeException(nameof(eta), eta, $"SuccessiveHalving eta must be at least 2 (3 is usual), got {eta}.");
        Configurations = configurations;
        MinBudget = minBudget;
        MaxBudget = maxBudget;
        Eta = eta;
    }

    /// <summary>The configurations of the first rung.</summary>
    public int Configurations { get; }

    /// <summary>The first rung's budget.</summary>
    public int MinBudget { get; }

    /// <summary>The last rung's budget.</summary>
    public int MaxBudget { get; }

    /// <summary>The reduction factor η.</summary>
    public int Eta { get; }

    /// <summary>The (configurations, budget) of each rung, first to last.</summary>
    public IReadOnlyList<(int Configurations, int Budget)> Rungs()
    {
        var rungs = new List<(int, int)>();
        int count = Configurations;
        long budget = MinBudget;
        while (true)
        {
            rungs.Add((count, (int)budget));
            if (budget >= MaxBudget) return rungs;
            count = Math.Max(1, count / Eta);
            budget = Math.Min(budget * Eta, MaxBudget);
        }
    }

    /// <inheritdoc />
    protected override int CountEvaluations(SearchSpace space) => Rungs().Sum(r => r.Configurations);

    /// <inheritdoc />
    protected override void Search(SearchSpace space, TrialRunner runner)
    {
        var rungs = Rungs();
        IReadOnlyList<Trial> alive = Enumerable.Range(0, Configurations).Select(_ => runner.NewTrial(space.Sample(runner.Generator))).ToArray();
        for (int r = 0; r < rungs.Count; r++)
        {
            var results = runner.Evaluate(alive, rungs[r].Budget, r);
            if (r + 1 == rungs.Count) break;
            alive = results.Order(Comparer<TrialResult>.Create((a, b) => SearchResult.Rank(a, b, Options.Direction)))
                .Take(rungs[r + 1].Configurations).Select(t => t.Trial).OrderBy(t => t.Id).ToArray();
        }
    }
}
