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
    /// <returns>The three parts; each keeps the original row order.</returns>
    public (MultiTaskDataset Train, MultiTaskDataset Validation, MultiTaskDataset Test) Split(Generator generator, double validation, double test = 0)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!double.IsFinite(validation) || !double.IsFinite(test) || validation < 0 || test < 0 || validation + test >= 1)
            throw new ArgumentOutOfRangeException(nameof(validation),
                $"Split fractions validation = {validation} and test = {test} must be non-negative with validation + test < 1 (e.g. 0.15 and 0.15), so training keeps rows.");
        var train = new List<int>();
        var valid = new List<int>();
        var testRows = new List<int>();
        foreach (var group in Strata())
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

    /// <summary>As <see cref="Split(Generator, double, double)"/> with a generator seeded by <paramref name="seed"/>.</summary>
    /// <param name="seed">The seed of the shuffle.</param>
    /// <param name="validation">Fraction for validation.</param>
    /// <param name="test">Fraction for test.</param>
    public (MultiTaskDataset Train, MultiTaskDataset Validation, MultiTaskDataset Test) Split(int seed, double validation, double test = 0) =>
        Split(new Generator(unchecked((ulong)seed)), validation, test);

    /// <summary>
    /// K-fold cross-validation folds, stratified by task like <see cref="Split(Generator, double, double)"/>:
    /// each group of rows with the same labelled tasks is shuffled and dealt round-robin to the folds
    /// (continuing across groups so fold sizes differ by at most one).
    /// </summary>
    /// <param name="k">The number of folds, 2..RowCount.</param>
    /// <param name="generator">The seeded source of the shuffle.</param>
    /// <returns>k (Train, Validation) pairs; each row is in exactly one validation part.</returns>
    public IReadOnlyList<(MultiTaskDataset Train, MultiTaskDataset Validation)> KFold(int k, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (k < 2 || k > RowCount)
            throw new ArgumentOutOfRangeException(nameof(k), $"KFold needs 2 <= k <= {RowCount} (the row count), got k = {k}.");
        var fold = new int[RowCount];
        int next = 0;
        foreach (var group in Strata())
        {
            Shuffle(group, generator);
            foreach (int row in group)
            {
                fold[row] = next;
                next = (next + 1) % k;
            }
        }
        var result = new List<(MultiTaskDataset, MultiTaskDataset)>(k);
        for (int f = 0; f < k; f++)
        {
            var train = new List<int>();
            var valid = new List<int>();
            for (int r = 0; r < RowCount; r++) (fold[r] == f ? valid : train).Add(r);
            result.Add((Subset(train), Subset(valid)));
        }
        return result;
    }

    /// <summary>As <see cref="KFold(int, Generator)"/> with a generator seeded by <paramref name="seed"/>.</summary>
    /// <param name="k">The number of folds.</param>
    /// <param name="seed">The seed of the shuffle.</param>
    public IReadOnlyList<(MultiTaskDataset Train, MultiTaskDataset Validation)> KFold(int k, int seed) =>
        KFold(k, new Generator(unchecked((ulong)seed)));

    private List<List<int>> Strata()
    {
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<List<int>>();
        var key = new char[_tasks.Length];
        for (int r = 0; r < RowCount; r++)
        {
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
