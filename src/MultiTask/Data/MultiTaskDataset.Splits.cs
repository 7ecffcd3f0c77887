using MultiTask.Engine.Tensors;

namespace MultiTask.Data;

public sealed partial class MultiTaskDataset
{
    /// <summary>
    /// Splits the rows into train, validation and test parts, stratified by task: rows are grouped by
    /// which tasks they are labelled for, and each group is shuffled and divided in the given
    /// fractions (rounded), so every task keeps its share of labelled rows in each part, even a
    /// 53-row task. A group always keeps at least one training row.
    /// </summary>
    /// <param name="generator">The seeded source of the shuffle.</param>
    /// <param name="validation">Fraction of each group for validation, in [0, 1).</param>
    /// <param name="test">Fraction of each group for test, in [0, 1); 0 gives an empty test part.</param>
    /// <param name="holdOutTasks">
    /// When given, only rows labelled for at least one of these tasks are divided (e.g. condos); every
    /// other row stays in training (houses always train). Null: all rows.
    /// </param>
    /// <returns>The three parts; each keeps the original row order.</returns>
    public (MultiTaskDataset Train, MultiTaskDataset Validation, MultiTaskDataset Test) Split(Generator generator, double validation, double test = 0,
        IReadOnlyCollection<string>? holdOutTasks = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!double.IsFinite(validation) || !double.IsFinite(test) || validation < 0 || test < 0 || validation + test >= 1)
            throw new ArgumentOutOfRangeException(nameof(validation),
                $"Split fractions validation = {validation} and test = {test} must be non-negative with validation + test < 1 (e.g. 0.15 and 0.15), so training keeps rows.");
        var eligible = Eligible(holdOutTasks);
        var train = new List<int>();
        var valid = new List<int>();
        var testRows = new List<int>();
        for (int r = 0; r < RowCount; r++)
            if (!eligible[r]) train.Add(r);
        foreach (var group in Strata(eligible))
        {
            Shuffle(group, generator);
            int n = group.Count;
            int nTest = (int)Math.Round(n * test, MidpointRounding.AwayFromZero);
            int nVal = (int)Math.Round(n * validation, MidpointRounding.AwayFromZero);
            while (nTest + nVal > n - 1 && nTest + nVal > 0)
            {
                if (nTest >= nVal) nTest--; else nVal--;
            }
            valid.AddRange(group.Take(nVal));
            testRows.AddRange(group.Skip(nVal).Take(nTest));
            train.AddRange(group.Skip(nVal + nTest));
        }
        train.Sort();
        valid.Sort();
        testRows.Sort();
        return (Subset(train), Subset(valid), Subset(testRows));
    }

    /// <summary>As <see cref="Split(Generator, double, double, IReadOnlyCollection{string})"/> with a generator seeded by <paramref name="seed"/>.</summary>
    /// <param name="seed">The seed of the shuffle.</param>
    /// <param name="validation">Fraction for validation.</param>
    /// <param name="test">Fraction for test.</param>
    /// <param name="holdOutTasks">Divide only rows labelled for these tasks; null: all rows.</param>
    public (MultiTaskDataset Train, MultiTaskDataset Validation, MultiTaskDataset Test) Split(int seed, double validation, double test = 0,
        IReadOnlyCollection<string>? holdOutTasks = null) =>
        Split(new Generator(unchecked((ulong)seed)), validation, test, holdOutTasks);

    /// <summary>
    /// Assigns each row to one of <paramref name="k"/> cross-validation folds, stratified by task like
    /// <see cref="Split(Generator, double, double, IReadOnlyCollection{string})"/>: each group of rows
    /// with the same labelled tasks is shuffled and dealt round-robin to the folds (continuing across
    /// groups so fold sizes differ by at most one). With <paramref name="holdOutTasks"/>, only rows
    /// labelled for one of those tasks are dealt ("5 folds over condos"); the others get -1, never
    /// held out. Save the array to reuse the exact folds with <see cref="Folds"/>.
    /// </summary>
    /// <param name="k">The number of folds, 2..(number of rows that can be held out).</param>
    /// <param name="generator">The seeded source of the shuffle.</param>
    /// <param name="holdOutTasks">The tasks whose rows are held out; null: all rows.</param>
    /// <returns>One fold index 0..k-1 per row, or -1 for a row that always trains.</returns>
    public int[] AssignFolds(int k, Generator generator, IReadOnlyCollection<string>? holdOutTasks = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var eligible = Eligible(holdOutTasks);
        int count = eligible.Count(e => e);
        if (k < 2 || k > count)
            throw new ArgumentOutOfRangeException(nameof(k),
                $"KFold needs 2 <= k <= {count} ({(holdOutTasks is null ? "the row count" : $"the rows labelled for {string.Join(", ", holdOutTasks)}")}), got k = {k}.");
        var fold = new int[RowCount];
        Array.Fill(fold, -1);
        int next = 0;
        foreach (var group in Strata(eligible))
        {
            Shuffle(group, generator);
            foreach (int row in group)
            {
                fold[row] = next;
                next = (next + 1) % k;
            }
        }
        return fold;
    }

    /// <summary>
    /// K-fold cross-validation folds (see <see cref="AssignFolds"/>): fold f validates on the rows
    /// assigned to f and trains on all others, including every row that is never held out.
    /// </summary>
    /// <param name="k">The number of folds.</param>
    /// <param name="generator">The seeded source of the shuffle.</param>
    /// <param name="holdOutTasks">The tasks whose rows are held out (others always train); null: all rows.</param>
    /// <returns>k (Train, Validation) pairs; each held-out row is in exactly one validation part.</returns>
    public IReadOnlyList<(MultiTaskDataset Train, MultiTaskDataset Validation)> KFold(int k, Generator generator, IReadOnlyCollection<string>? holdOutTasks = null) =>
        Folds(AssignFolds(k, generator, holdOutTasks));

    /// <summary>As <see cref="KFold(int, Generator, IReadOnlyCollection{string})"/> with a generator seeded by <paramref name="seed"/>.</summary>
    /// <param name="k">The number of folds.</param>
    /// <param name="seed">The seed of the shuffle.</param>
    /// <param name="holdOutTasks">The tasks whose rows are held out; null: all rows.</param>
    public IReadOnlyList<(MultiTaskDataset Train, MultiTaskDataset Validation)> KFold(int k, int seed, IReadOnlyCollection<string>? holdOutTasks = null) =>
        KFold(k, new Generator(unchecked((ulong)seed)), holdOutTasks);

    /// <summary>
    /// Folds from an explicit assignment, e.g. read from a committed fold file: row r belongs to fold
    /// <c>assignment[r]</c> (0..k-1) or is never held out (-1). Fold f validates on its rows and trains
    /// on every other row.
    /// </summary>
    /// <param name="assignment">One fold index per row; -1 = always in training.</param>
    /// <returns>k (Train, Validation) pairs, k = the largest fold index + 1.</returns>
    /// <exception cref="ArgumentException">The length differs from <see cref="RowCount"/>, an index is below -1, no row is held out, or a fold in 0..k-1 has no rows.</exception>
    public IReadOnlyList<(MultiTaskDataset Train, MultiTaskDataset Validation)> Folds(IReadOnlyList<int> assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (assignment.Count != RowCount)
            throw new ArgumentException(
                $"The fold assignment has {assignment.Count} entries but the dataset has {RowCount} rows; give one fold index per row (-1 = never held out).",
                nameof(assignment));
        int k = 0;
        for (int r = 0; r < assignment.Count; r++)
        {
            if (assignment[r] < -1)
                throw new ArgumentException($"The fold assignment gives row {r} fold {assignment[r]}; use 0..k-1, or -1 for a row that is never held out.", nameof(assignment));
            k = Math.Max(k, assignment[r] + 1);
        }
        if (k == 0)
            throw new ArgumentException("The fold assignment holds out no row (every entry is -1); assign rows to folds 0..k-1.", nameof(assignment));
        var validation = new List<int>[k];
        for (int f = 0; f < k; f++) validation[f] = [];
        for (int r = 0; r < RowCount; r++)
            if (assignment[r] >= 0) validation[assignment[r]].Add(r);
        if (Array.FindIndex(validation, v => v.Count == 0) is var empty and >= 0)
            throw new ArgumentException($"Fold {empty} of the assignment has no rows (folds 0..{k - 1}); number the folds without gaps.", nameof(assignment));
        var result = new List<(MultiTaskDataset, MultiTaskDataset)>(k);
        for (int f = 0; f < k; f++)
        {
            var train = new List<int>(RowCount);
            for (int r = 0; r < RowCount; r++)
                if (assignment[r] != f) train.Add(r);
            result.Add((Subset(train), Subset(validation[f])));
        }
        return result;
    }

    /// <summary>Which rows may be held out: all, or those labelled for one of <paramref name="holdOutTasks"/>.</summary>
    private bool[] Eligible(IReadOnlyCollection<string>? holdOutTasks)
    {
        var eligible = new bool[RowCount];
        if (holdOutTasks is null)
        {
            Array.Fill(eligible, true);
            return eligible;
        }
        if (holdOutTasks.Count == 0)
            throw new ArgumentException("holdOutTasks is empty; name the task(s) whose rows are held out, or pass null to hold out any row.", nameof(holdOutTasks));
        foreach (var task in holdOutTasks)
        {
            var mask = _masks[TaskIndex(task)];
            for (int r = 0; r < RowCount; r++) eligible[r] |= mask[r] != 0f;
        }
        return eligible;
    }

    private List<List<int>> Strata(bool[] eligible)
    {
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<List<int>>();
        var key = new char[_tasks.Length];
        for (int r = 0; r < RowCount; r++)
        {
            if (!eligible[r]) continue;
            for (int t = 0; t < key.Length; t++) key[t] = _masks[t][r] != 0f ? '1' : '0';
            var s = new string(key);
            if (!groups.TryGetValue(s, out var list))
            {
                list = [];
                groups.Add(s, list);
                order.Add(list);
            }
            list.Add(r);
        }
        return order;
    }

    internal static void Shuffle(IList<int> items, Generator generator)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = (int)generator.NextInt64(0, i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
