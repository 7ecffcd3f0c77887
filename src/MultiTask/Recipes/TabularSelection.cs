using System.Globalization;
using System.Text;

namespace MultiTask.Recipes;

/// <summary>
/// How <see cref="TabularRecipe.Select"/> chose: each candidate's out-of-fold score per task (RMSE in the user's units
/// for regression, log loss for binary tasks; lower is better) and the candidate each task took.
/// </summary>
public sealed class TabularSelection
{
    private readonly double[,] _scores;
    private readonly int[] _chosen;

    internal TabularSelection(IReadOnlyList<TabularRecipeOptions> candidates, IReadOnlyList<string> tasks, double[,] scores, int folds)
    {
        Candidates = candidates;
        Tasks = tasks;
        Folds = folds;
        _scores = scores;
        _chosen = new int[tasks.Count];
        for (int t = 0; t < tasks.Count; t++)
        {
            int best = -1;
            for (int c = 0; c < candidates.Count; c++)
                if (!double.IsNaN(scores[c, t]) && (best < 0 || scores[c, t] < scores[best, t])) best = c;
            _chosen[t] = best;
        }
    }

    /// <summary>The candidate configurations, in the order they were scored.</summary>
    public IReadOnlyList<TabularRecipeOptions> Candidates { get; }

    /// <summary>The tasks, in the training data's order.</summary>
    public IReadOnlyList<string> Tasks { get; }

    /// <summary>The number of cross-validation folds.</summary>
    public int Folds { get; }

    /// <summary>Candidate <paramref name="candidate"/>'s out-of-fold score on <paramref name="task"/> (lower is better).</summary>
    /// <exception cref="ArgumentException">Not a task of the selection.</exception>
    public double Score(int candidate, string task) => _scores[candidate, IndexOf(task)];

    /// <summary>The index (in <see cref="Candidates"/>) of the candidate <paramref name="task"/> took: the lowest score, the earlier on a tie.</summary>
    /// <exception cref="ArgumentException">Not a task of the selection.</exception>
    public int Chosen(string task) => _chosen[IndexOf(task)];

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder($"candidate ({Folds}-fold out-of-fold score per task; * chosen)");
        foreach (var task in Tasks) sb.Append(" | ").Append(task);
        sb.AppendLine();
        for (int c = 0; c < Candidates.Count; c++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{c}: {Candidates[c].Sharing}");
            for (int t = 0; t < Tasks.Count; t++)
                sb.Append(CultureInfo.InvariantCulture, $" | {_scores[c, t]:G5}{(_chosen[t] == c ? "*" : "")}");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private int IndexOf(string task)
    {
        for (int t = 0; t < Tasks.Count; t++)
            if (Tasks[t] == task) return t;
        throw new ArgumentException($"The selection has no task '{task}'; its tasks are: {string.Join(", ", Tasks.Select(t => $"'{t}'"))}.", nameof(task));
    }
}
