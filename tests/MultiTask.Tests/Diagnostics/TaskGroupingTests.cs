using FluentAssertions;
using MultiTask.Diagnostics;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Diagnostics;

public class TaskGroupingTests
{
    private static TaskMatrix Matrix(string names, double[,] z) => new([.. names.Split(',')], z);

    // Row i -> column j. B helps A and C, but A and C hurt each other: B belongs in two groups.
    private static readonly double[,] Overlap =
    {
        { 0.0, 0.1, -0.5 },
        { 0.5, 0.0, 0.5 },
        { -0.5, 0.1, 0.0 },
    };

    // A and B help each other, C and D help each other; across the pairs the affinities are small or negative.
    private static readonly double[,] TwoPairs =
    {
        { 0.0, 0.5, -0.1, -0.2 },
        { 0.4, 0.0, -0.2, 0.0 },
        { 0.1, -0.2, 0.0, 0.3 },
        { -0.2, 0.1, 0.2, 0.0 },
    };

    [Fact]
    public void Exact_PutsASharedHelperIntoTwoGroups()
    {
        // Hand-computed: {A,B},{B,C} gives A 0.5, C 0.5, B max(0.1, 0.1) = 1.1; {A,B,C} gives 0 + 0.1 + 0 = 0.1;
        // {A,B},{C} gives 0.5 + 0.1 + 0 = 0.6; {A},{B,C} likewise 0.6.
        var g = TaskGrouping.Exact(Matrix("A,B,C", Overlap), groups: 2);
        g.Groups.Select(x => string.Join("", x)).Should().BeEquivalentTo(["AB", "BC"]);
        g.TotalAffinity.Should().BeApproximately(1.1, 1e-12);
        g.TaskScores["A"].Should().BeApproximately(0.5, 1e-12);
        g.Groups[g.ServedBy["C"]].Should().Equal("B", "C");
        g.IsExact.Should().BeTrue();
    }

    [Fact]
    public void Exact_OnTwoPairs_MatchesTheHandComputedOptimum()
    {
        var z = Matrix("A,B,C,D", TwoPairs);
        // k = 1: every task in one group, each receiving the mean of the other three's affinities onto it:
        // A (0.4 + 0.1 − 0.2)/3, B (0.5 − 0.2 + 0.1)/3, C (−0.1 − 0.2 + 0.2)/3, D (−0.2 + 0 + 0.3)/3.
        var one = TaskGrouping.Exact(z, 1);
        one.Groups.Should().ContainSingle().Which.Should().Equal("A", "B", "C", "D");
        one.TotalAffinity.Should().BeApproximately((0.3 + 0.4 - 0.1 + 0.1) / 3, 1e-12);
        // k = 2: {A,B} and {C,D}: 0.4 + 0.5 + 0.2 + 0.3 = 1.4.
        var two = TaskGrouping.Exact(z, 2);
        two.Groups.Select(x => string.Join("", x)).Should().BeEquivalentTo(["AB", "CD"]);
        two.TotalAffinity.Should().BeApproximately(1.4, 1e-12);
        // More groups cannot beat each task's best partner (A: B 0.4, B: A 0.5, C: D 0.2, D: C 0.3) here, so k = 3 keeps two groups.
        TaskGrouping.Exact(z, 3).TotalAffinity.Should().BeApproximately(1.4, 1e-12);
    }

    [Fact]
    public void Exact_EqualsBruteForce_OnRandomMatrices()
    {
        var g = new Generator(21);
        for (int trial = 0; trial < 12; trial++)
        {
            int t = 3 + trial % 3;
            var z = new double[t, t];
            for (int i = 0; i < t; i++)
                for (int j = 0; j < t; j++) z[i, j] = i == j ? 0 : g.NextNormal();
            var names = string.Join(",", Enumerable.Range(0, t).Select(i => ((char)('A' + i)).ToString()));
            for (int k = 1; k <= t; k++)
            {
                var exact = TaskGrouping.Exact(Matrix(names, z), k);
                exact.TotalAffinity.Should().BeApproximately(BruteForce(z, k), 1e-9, $"trial {trial}, {t} tasks, k = {k}");
                exact.Groups.Count.Should().BeLessThanOrEqualTo(k);
                exact.ServedBy.Keys.Should().HaveCount(t);
                var greedy = TaskGrouping.Greedy(Matrix(names, z), k);
                greedy.TotalAffinity.Should().BeLessThanOrEqualTo(exact.TotalAffinity + 1e-9);
                greedy.Groups.Count.Should().BeLessThanOrEqualTo(k);
                greedy.ServedBy.Values.Should().OnlyContain(v => v >= 0);
            }
        }
    }

    [Fact]
    public void Greedy_FindsTheOverlappingOptimum_AndExactRefusesTooManyTasks()
    {
        var g = TaskGrouping.Greedy(Matrix("A,B,C", Overlap), 2);
        g.TotalAffinity.Should().BeApproximately(1.1, 1e-12);
        g.IsExact.Should().BeFalse();
        var many = Matrix(string.Join(",", Enumerable.Range(0, 13).Select(i => $"t{i}")), new double[13, 13]);
        FluentActions.Invoking(() => TaskGrouping.Exact(many, 2)).Should().Throw<ArgumentException>().WithMessage("*at most 12 tasks*Greedy*");
        TaskGrouping.Greedy(many, 2).Groups.Should().NotBeEmpty();
        FluentActions.Invoking(() => TaskGrouping.Exact(many, 0)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Exact_OnEightTasks_BeatsOrMatchesGreedy_ForEveryBudget()
    {
        var g = new Generator(8);
        var z = new double[8, 8];
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++) z[i, j] = i == j ? 0 : g.NextNormal() + 0.3;
        var m = Matrix(string.Join(",", Enumerable.Range(0, 8).Select(i => $"t{i}")), z);
        double previous = double.NegativeInfinity;
        for (int k = 1; k <= 8; k++)
        {
            var exact = TaskGrouping.Exact(m, k);
            exact.TotalAffinity.Should().BeGreaterThanOrEqualTo(TaskGrouping.Greedy(m, k).TotalAffinity - 1e-9);
            // A larger budget can only help.
            exact.TotalAffinity.Should().BeGreaterThanOrEqualTo(previous - 1e-9);
            previous = exact.TotalAffinity;
        }
        // With a budget of one group per task, every task gets its best possible group.
        double bestPossible = 0;
        for (int j = 0; j < 8; j++)
            bestPossible += Enumerable.Range(1, 255).Where(mask => (mask >> j & 1) != 0)
                .Max(mask => Enumerable.Range(0, 8).Where(i => i != j && (mask >> i & 1) != 0).Select(i => z[i, j]).DefaultIfEmpty(0).Average());
        previous.Should().BeApproximately(bestPossible, 1e-9);
    }

    /// <summary>Every set of at most k distinct non-empty groups covering all tasks, scored independently of the search.</summary>
    private static double BruteForce(double[,] z, int k)
    {
        int t = z.GetLength(0), full = (1 << t) - 1;
        double best = double.NegativeInfinity;
        void Choose(int from, List<int> chosen)
        {
            if (chosen.Count > 0)
            {
                double total = 0;
                bool covered = true;
                for (int j = 0; j < t && covered; j++)
                {
                    double task = double.NegativeInfinity;
                    foreach (int m in chosen)
                    {
                        if ((m >> j & 1) == 0) continue;
                        var others = Enumerable.Range(0, t).Where(i => i != j && (m >> i & 1) != 0).ToList();
                        task = Math.Max(task, others.Count == 0 ? 0 : others.Average(i => z[i, j]));
                    }
                    covered = task > double.NegativeInfinity;
                    total += task;
                }
                if (covered) best = Math.Max(best, total);
            }
            if (chosen.Count == k) return;
            for (int m = from; m <= full; m++)
            {
                chosen.Add(m);
                Choose(m + 1, chosen);
                chosen.RemoveAt(chosen.Count - 1);
            }
        }
        Choose(1, []);
        return best;
    }
}
