namespace MultiTask.Search;

/// <summary>One evaluation of a trial at one budget: a row of the <see cref="SearchResult"/> table.</summary>
public sealed class TrialResult
{
    internal TrialResult(int index, Trial trial, int rung, int budget, double[] foldScores, TrialStatus status, string? error,
        Exception? exception, TimeSpan duration)
    {
        Index = index;
        Trial = trial;
        Rung = rung;
        Budget = budget;
        FoldScores = foldScores;
        Status = status;
        Error = error;
        Exception = exception;
        Duration = duration;
        if (status == TrialStatus.Completed)
        {
            Mean = foldScores.Average();
            StandardDeviation = foldScores.Length < 2 ? 0
                : Math.Sqrt(foldScores.Sum(s => (s - Mean) * (s - Mean)) / (foldScores.Length - 1));
        }
        else
        {
            Mean = double.NaN;
            StandardDeviation = double.NaN;
        }
    }

    /// <summary>The row number, 0-based: the order in which the strategy proposed the evaluations (never completion order).</summary>
    public int Index { get; }

    /// <summary>The configuration.</summary>
    public Trial Trial { get; }

    /// <summary>The configuration's parameter values.</summary>
    public IReadOnlyDictionary<string, object?> Parameters => Trial.Values;

    /// <summary>The successive-halving rung, 0-based (always 0 for grid and random search).</summary>
    public int Rung { get; }

    /// <summary>The budget the objective was given.</summary>
    public int Budget { get; }

    /// <summary>The score of each fold, in fold order; NaN for a fold that failed.</summary>
    public IReadOnlyList<double> FoldScores { get; }

    /// <summary>The mean over folds; NaN when the evaluation failed.</summary>
    public double Mean { get; }

    /// <summary>The sample standard deviation over folds (n − 1 in the denominator; 0 with one fold); NaN when the evaluation failed.</summary>
    public double StandardDeviation { get; }

    /// <summary>Whether every fold produced a finite score.</summary>
    public TrialStatus Status { get; }

    /// <summary>Why the evaluation failed (the first failing fold's message), or null.</summary>
    public string? Error { get; }

    /// <summary>The exception of the first failing fold, or null (also null when the fold returned a non-finite score).</summary>
    public Exception? Exception { get; }

    /// <summary>The summed wall-clock time of the folds (the one column that differs between identical runs).</summary>
    public TimeSpan Duration { get; }
}
