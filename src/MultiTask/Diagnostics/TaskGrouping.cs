using System.Globalization;
using System.Text;

namespace MultiTask.Diagnostics;

/// <summary>
/// Task groups chosen from an inter-task affinity matrix as in Fifty et al. (2021): at most k groups (a task may sit in
/// several), every task served by one of them, maximising the total affinity the tasks receive from their groups.
/// </summary>
/// <remarks>
/// <para>Task j in group g receives the mean affinity of the group's other members onto it,
/// s(j, g) = Σ_{i∈g, i≠j} Z[i→j] / (|g| − 1), and 0 alone in a group. Each task is served by the chosen group containing it
/// with the highest s; the score of a grouping is Σⱼ s(j, serving group). An unmeasured (NaN) affinity counts as 0.
/// Groups that serve no task are left out, so fewer than k groups may be returned.</para>
/// <para><see cref="Exact"/> searches all subsets of tasks (a dynamic programme over subsets) and is limited to
/// <see cref="MaxExactTasks"/> tasks; <see cref="Greedy"/> is a heuristic for more tasks.</para>
/// </remarks>
public sealed class TaskGrouping
{
    /// <summary>The largest number of tasks <see cref="Exact"/> accepts (3¹² ≈ 530,000 pairs of subsets).</summary>
    public const int MaxExactTasks = 12;

    private TaskGrouping(IReadOnlyList<string> names, List<int> masks, double[,] affinity, bool exact)
    {
        int t = names.Count;
        var groups = new List<IReadOnlyList<string>>();
        foreach (int m in masks) groups.Add([.. Enumerable.Range(0, t).Where(j => (m >> j & 1) != 0).Select(j => names[j])]);
        var served = new Dictionary<string, int>(StringComparer.Ordinal);
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        double total = 0;
        for (int j = 0; j < t; j++)
        {
            int best = -1;
            double bestScore = double.NegativeInfinity;
            for (int g = 0; g < masks.Count; g++)
            {
                if ((masks[g] >> j & 1) == 0) continue;
                double s = Score(affinity, masks[g], j);
                if (s > bestScore) (best, bestScore) = (g, s);
            }
            served[names[j]] = best;
            scores[names[j]] = bestScore;
            total += bestScore;
        }
        Groups = groups;
        ServedBy = served;
        TaskScores = scores;
        TotalAffinity = total;
        IsExact = exact;
    }

    /// <summary>The groups, each a list of task names in matrix order.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Groups { get; }

    /// <summary>For each task, the index into <see cref="Groups"/> of the group that serves it.</summary>
    public IReadOnlyDictionary<string, int> ServedBy { get; }

    /// <summary>For each task, the mean affinity it receives from the other members of its serving group (0 alone).</summary>
    public IReadOnlyDictionary<string, double> TaskScores { get; }

    /// <summary>The sum of <see cref="TaskScores"/>, the quantity maximised.</summary>
    public double TotalAffinity { get; }

    /// <summary>Whether the grouping is the proven optimum (<see cref="Exact"/>) rather than a heuristic.</summary>
    public bool IsExact { get; }

    /// <summary>The best grouping into at most <paramref name="groups"/> groups, by an exhaustive search over all subsets of tasks.</summary>
    /// <remarks>
    /// Choosing groups and letting each task take its best one is the same as splitting the tasks into at most k blocks of
    /// tasks served together, each block served by its best superset: an optimal grouping gives such a split, and such a
    /// split is a grouping at least as good. So the search is a dynamic programme over subsets: for every block S the best
    /// group G ⊇ S (3ᵀ pairs), then the best split of the tasks into at most k blocks (k·3ᵀ steps).
    /// </remarks>
    /// <param name="affinity">The affinity matrix Z[i→j].</param>
    /// <param name="groups">The budget k of groups (1 gives one group of every task).</param>
    /// <returns>The optimal grouping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="groups"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The matrix has more than <see cref="MaxExactTasks"/> tasks; use <see cref="Greedy"/>.</exception>
    public static TaskGrouping Exact(TaskMatrix affinity, int groups)
    {
        ArgumentNullException.ThrowIfNull(affinity);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        int t = affinity.Count;
        if (t > MaxExactTasks)
            throw new ArgumentException(
                $"The exact search covers at most {MaxExactTasks} tasks (it visits 3^T pairs of task subsets), but the matrix has {t}; use TaskGrouping.Greedy.", nameof(affinity));
        var z = Values(affinity);
        int full = (1 << t) - 1;
        // served[S]: the most affinity the tasks of S can receive from one group G ⊇ S, and that group.
        var served = new double[full + 1];
        var servedBy = new int[full + 1];
        for (int block = 1; block <= full; block++)
        {
            served[block] = double.NegativeInfinity;
            int outside = full & ~block;
            for (int extra = outside; ; extra = (extra - 1) & outside)
            {
                int group = block | extra;
                double value = 0;
                for (int j = 0; j < t; j++)
                    if ((block >> j & 1) != 0) value += Score(z, group, j);
                if (value > served[block] + 1e-12) (served[block], servedBy[block]) = (value, group);
                if (extra == 0) break;
            }
        }
        // best[m][mask]: the best split of the tasks in mask into exactly m blocks; the block holding mask's lowest task is chosen
        // first, so each split is counted once.
        int k = Math.Min(groups, t);
        var best = new double[k + 1][];
        var choice = new int[k + 1][];
        for (int m = 0; m <= k; m++)
        {
            best[m] = Enumerable.Repeat(double.NegativeInfinity, full + 1).ToArray();
            choice[m] = new int[full + 1];
        }
        best[0][0] = 0;
        for (int m = 1; m <= k; m++)
        {
            for (int mask = 1; mask <= full; mask++)
            {
                int lowest = mask & -mask, rest = mask & ~lowest;
                for (int sub = rest; ; sub = (sub - 1) & rest)
                {
                    int block = sub | lowest;
                    double value = best[m - 1][mask & ~block] + served[block];
                    if (value > best[m][mask] + 1e-12) (best[m][mask], choice[m][mask]) = (value, block);
                    if (sub == 0) break;
                }
            }
        }
        int blocks = Enumerable.Range(1, k).MaxBy(m => best[m][full]);
        var chosen = new List<int>();
        for (int m = blocks, mask = full; m > 0; mask &= ~choice[m][mask], m--)
        {
            int group = servedBy[choice[m][mask]];
            if (!chosen.Contains(group)) chosen.Add(group);
        }
        chosen.Sort();
        return new TaskGrouping(affinity.TaskNames, Serving(z, chosen, t), z, exact: true);
    }

    /// <summary>
    /// A heuristic grouping into at most <paramref name="groups"/> groups for any number of tasks: starting from one group of
    /// every task, it repeatedly makes the move that raises the total most — adding a candidate group (every subset of two or
    /// three tasks) or letting one replace a chosen group — dropping groups that no longer serve a task, until no move within
    /// the budget improves.
    /// </summary>
    /// <param name="affinity">The affinity matrix Z[i→j].</param>
    /// <param name="groups">The budget k of groups.</param>
    /// <returns>The grouping found (<see cref="IsExact"/> false).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="groups"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The matrix has more than 30 tasks.</exception>
    public static TaskGrouping Greedy(TaskMatrix affinity, int groups)
    {
        ArgumentNullException.ThrowIfNull(affinity);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        int t = affinity.Count;
        if (t > 30)
            throw new ArgumentException($"The greedy search covers at most 30 tasks (groups are bit masks), but the matrix has {t}.", nameof(affinity));
        var z = Values(affinity);
        int full = (int)((1L << t) - 1);
        var pool = new List<int>();
        for (int a = 0; a < t; a++)
            for (int b = a + 1; b < t; b++)
            {
                pool.Add(1 << a | 1 << b);
                for (int c = b + 1; c < t; c++) pool.Add(1 << a | 1 << b | 1 << c);
            }
        var chosen = new List<int> { full };
        double total = Total(z, chosen, t);
        while (true)
        {
            double pickTotal = total;
            List<int>? next = null;
            foreach (int m in pool)
            {
                if (chosen.Contains(m)) continue;
                // Either add the candidate or let it replace one chosen group; a move that leaves a task unserved totals −∞.
                for (int replace = -1; replace < chosen.Count; replace++)
                {
                    var moved = new List<int>(chosen);
                    if (replace < 0) moved.Add(m);
                    else moved[replace] = m;
                    var trial = Serving(z, moved, t);
                    if (trial.Count > groups) continue;
                    double value = Total(z, trial, t);
                    if (value > pickTotal + 1e-12) (pickTotal, next) = (value, trial);
                }
            }
            if (next is null) break;
            chosen = next;
            total = pickTotal;
        }
        return new TaskGrouping(affinity.TaskNames, chosen, z, exact: false);
    }

    /// <summary>The chosen groups that serve at least one task (each task served by its best group, the first on ties).</summary>
    private static List<int> Serving(double[,] z, List<int> masks, int t)
    {
        var serving = new HashSet<int>();
        for (int j = 0; j < t; j++)
        {
            int best = -1;
            double bestScore = double.NegativeInfinity;
            for (int g = 0; g < masks.Count; g++)
            {
                if ((masks[g] >> j & 1) == 0) continue;
                double s = Score(z, masks[g], j);
                if (s > bestScore) (best, bestScore) = (g, s);
            }
            if (best >= 0) serving.Add(best);
        }
        return [.. Enumerable.Range(0, masks.Count).Where(serving.Contains).Select(g => masks[g])];
    }

    private static double Total(double[,] z, List<int> masks, int t)
    {
        double total = 0;
        for (int j = 0; j < t; j++)
            total += masks.Where(m => (m >> j & 1) != 0).Select(m => Score(z, m, j)).DefaultIfEmpty(double.NegativeInfinity).Max();
        return total;
    }

    private static double Score(double[,] z, int mask, int j)
    {
        double sum = 0;
        int others = 0;
        for (int i = 0; i < z.GetLength(0); i++)
        {
            if (i == j || (mask >> i & 1) == 0) continue;
            others++;
            sum += z[i, j];
        }
        return others == 0 ? 0 : sum / others;
    }

    private static double[,] Values(TaskMatrix affinity)
    {
        var z = affinity.ToArray();
        for (int i = 0; i < affinity.Count; i++)
            for (int j = 0; j < affinity.Count; j++)
                if (double.IsNaN(z[i, j])) z[i, j] = 0;
        return z;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Groups.Count} group(s), total affinity {TotalAffinity:G4} ({(IsExact ? "exact" : "greedy")})").AppendLine();
        for (int g = 0; g < Groups.Count; g++)
        {
            var served = ServedBy.Where(kv => kv.Value == g).Select(kv => kv.Key).ToList();
            sb.Append(CultureInfo.InvariantCulture, $"  {{{string.Join(", ", Groups[g])}}} serves {string.Join(", ", served)}").AppendLine();
        }
        return sb.ToString();
    }
}
