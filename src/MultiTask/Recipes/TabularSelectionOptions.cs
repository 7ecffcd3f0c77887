namespace MultiTask.Recipes;

/// <summary>The settings of <see cref="TabularRecipe.Select"/>: the candidate configurations and the cross-validation that chooses among them.</summary>
public sealed record TabularSelectionOptions
{
    /// <summary>
    /// The configurations to choose from, per task; null (the default) for <see cref="Recipe"/> with each
    /// <see cref="TaskSharing"/> that applies to the data (pooled only when the tasks share a target group and features).
    /// </summary>
    public IReadOnlyList<TabularRecipeOptions>? Candidates { get; init; }

    /// <summary>The settings the default candidates share. Default the recommended ones.</summary>
    public TabularRecipeOptions Recipe { get; init; } = new();

    /// <summary>The cross-validation folds over the training rows (drawn within each task). Default 3.</summary>
    public int Folds { get; init; } = 3;

    /// <summary>The seed of the fold assignment.</summary>
    public ulong Seed { get; init; }

    /// <summary>Checks the settings; throws an exception naming the first invalid one and the fix.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (Folds < 2) throw new ArgumentOutOfRangeException(nameof(Folds), Folds, $"Folds must be at least 2, got {Folds}.");
        if (Candidates is { Count: 0 }) throw new ArgumentException("Candidates is empty; list at least one configuration, or leave it null for the defaults.", nameof(Candidates));
        ArgumentNullException.ThrowIfNull(Recipe);
        Recipe.Validate();
        foreach (var candidate in Candidates ?? [])
        {
            if (candidate is null) throw new ArgumentException("Candidates holds a null configuration.", nameof(Candidates));
            candidate.Validate();
            if (candidate.Tasks is not null)
                throw new ArgumentException("A candidate restricts its Tasks; selection chooses a candidate per task, so leave Tasks null in every candidate.", nameof(Candidates));
        }
    }
}
