using FluentAssertions;
using MultiTask.Search;

namespace MultiTask.Tests.Search;

public class SearchStrategyTests
{
    private static readonly SearchSpace Space = new SearchSpace().LogUniform("lr", 1e-4, 1).Int("layers", 1, 4).Choice("w", "equal", "uncertainty");

    private static SearchResult Halving(ulong seed, int maxParallel) =>
        new SuccessiveHalving(9, 1, 9, eta: 3, new SearchOptions { Seed = seed, MaxParallel = maxParallel })
            .Run(Space, SearchTestData.Folds(), f => SearchTestData.Quadratic(f, 1e-3) + f.Trial.Get<int>("layers") * 1e-6);

    private static object[] Row(TrialResult t) =>
        [t.Index, t.Trial.Id, t.Trial.Seed, t.Rung, t.Budget, t.Trial.ToString(), t.Status, t.Mean, t.StandardDeviation, .. t.FoldScores.Cast<object>()];

    [Fact]
    public void Same_seed_gives_the_same_table_bit_for_bit()
    {
        var a = Halving(21, 2);
        var b = Halving(21, 2);
        a.Trials.Select(Row).Should().BeEquivalentTo(b.Trials.Select(Row), o => o.WithStrictOrdering());
        a.ToString().Should().Be(b.ToString());
        Halving(22, 2).Trials.Select(t => t.Trial.ToString()).Should().NotEqual(a.Trials.Select(t => t.Trial.ToString()));
    }

    [Fact]
    public void Results_do_not_depend_on_MaxParallel()
    {
        var serial = Halving(4, 1);
        var parallel = Halving(4, 2);
        var wide = Halving(4, 8);
        parallel.Trials.Select(Row).Should().BeEquivalentTo(serial.Trials.Select(Row), o => o.WithStrictOrdering());
        wide.Trials.Select(Row).Should().BeEquivalentTo(serial.Trials.Select(Row), o => o.WithStrictOrdering());
        parallel.ToString().Should().Be(serial.ToString());
    }

    [Fact]
    public void Results_are_in_proposal_order_even_when_later_trials_finish_first()
    {
        // The first trial's folds are the slowest, so with two workers the later trials complete first.
        var finished = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var result = new RandomSearch(4, options: new SearchOptions { MaxParallel = 2, Seed = 1 }).Run(Space, SearchTestData.Folds(2), f =>
        {
            if (f.Trial.Id == 0) Thread.Sleep(60);
            return f.Trial.Id;
        }, new InlineProgress(p => finished.Enqueue(p.Trial.Trial.Id)));
        result.Trials.Select(t => t.Trial.Id).Should().Equal(0, 1, 2, 3);
        result.Trials.Select(t => t.Mean).Should().Equal(0, 1, 2, 3);
        finished.Should().HaveCount(4).And.BeEquivalentTo([0, 1, 2, 3]);
    }

    [Fact]
    public void Failed_trials_are_recorded_with_their_message_and_the_search_goes_on()
    {
        var space = new SearchSpace().Int("n", 0, 5);
        var result = new GridSearch(1, new SearchOptions { MaxParallel = 2 }).Run(space, SearchTestData.Folds(3), f =>
        {
            int n = f.Trial.Get<int>("n");
            if (n == 1 && f.Fold == 2) throw new InvalidOperationException("diverged");
            if (n == 3) return double.NaN;
            return n;
        });

        result.Trials.Should().HaveCount(6);
        var thrown = result.Trials[1];
        thrown.Status.Should().Be(TrialStatus.Failed);
        thrown.Error.Should().Be("fold 2: InvalidOperationException: diverged");
        thrown.Exception.Should().BeOfType<InvalidOperationException>();
        thrown.FoldScores.Should().HaveCount(3);
        thrown.FoldScores[0].Should().Be(1);
        double.IsNaN(thrown.FoldScores[2]).Should().BeTrue();
        double.IsNaN(thrown.Mean).Should().BeTrue();
        result.Trials[3].Status.Should().Be(TrialStatus.Failed);
        result.Trials[3].Error.Should().Be("fold 0 scored NaN");
        result.Trials.Count(t => t.Status == TrialStatus.Completed).Should().Be(4);
        result.BestTrial.Get<int>("n").Should().Be(0);
        result.ToString().Should().Contain("failed: fold 2: InvalidOperationException: diverged");
    }

    [Fact]
    public void Every_trial_failing_throws_with_the_first_message()
    {
        var act = () => new GridSearch(1, new SearchOptions { MaxParallel = 2 }).Run(new SearchSpace().Int("n", 0, 3), SearchTestData.Folds(2), f =>
        {
            // Later trials fail fast, the first slowly: the message must still be the first trial's.
            if (f.Trial.Id == 0) Thread.Sleep(50);
            throw new ArgumentException($"bad n {f.Trial.Get<int>("n")}");
        });
        act.Should().Throw<InvalidOperationException>().WithMessage("Every one of the 4 evaluations failed; the first (trial 0: n=0) failed with fold 0: ArgumentException: bad n 0")
            .WithInnerException<ArgumentException>();
    }

    [Fact]
    public void Progress_reports_every_evaluation_with_the_best_so_far()
    {
        var reports = new List<SearchProgress>();
        var result = new SuccessiveHalving(9, 1, 9, options: new SearchOptions { MaxParallel = 1, Seed = 2 })
            .Run(Space, SearchTestData.Folds(2), f => SearchTestData.Quadratic(f, 0), new InlineProgress(reports.Add));
        reports.Should().HaveCount(13);
        reports.Select(r => r.Completed).Should().Equal(Enumerable.Range(1, 13));
        reports.Should().OnlyContain(r => r.Total == 13);
        reports.Select(r => r.Trial).Should().Equal(result.Trials);
        reports[^1].Best.Should().BeSameAs(result.Best);
        // Within the first rung, "best so far" is the running minimum.
        for (int i = 0; i < 9; i++)
            reports[i].Best!.Mean.Should().Be(result.Trials.Take(i + 1).Min(t => t.Mean));
    }

    [Fact]
    public void Cancellation_stops_between_folds()
    {
        using var cts = new CancellationTokenSource();
        int calls = 0;
        var act = () => new RandomSearch(10, options: new SearchOptions { MaxParallel = 1 }).Run(Space, SearchTestData.Folds(2), f =>
        {
            if (Interlocked.Increment(ref calls) == 3) cts.Cancel();
            return 0;
        }, cancellationToken: cts.Token);
        act.Should().Throw<OperationCanceledException>();
        calls.Should().Be(3);
    }

    [Fact]
    public void Cancellation_in_parallel_throws_OperationCanceledException_and_starts_no_new_folds()
    {
        using var cts = new CancellationTokenSource();
        int calls = 0;
        var act = () => new RandomSearch(50, options: new SearchOptions { MaxParallel = 2 }).Run(Space, SearchTestData.Folds(2), f =>
        {
            if (Interlocked.Increment(ref calls) == 3) cts.Cancel();
            return 0;
        }, cancellationToken: cts.Token);
        act.Should().Throw<OperationCanceledException>();
        // At most the folds already started on the two workers finish after the cancel.
        calls.Should().BeLessThan(6);
    }

    [Fact]
    public void Bad_arguments_name_the_fix()
    {
        new Action(() => new SearchOptions { MaxParallel = 0 }.Validate()).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxParallel*");
        new Action(() => new RandomSearch(0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*trial*");
        new Action(() => new RandomSearch(2).Run(Space, [], _ => 0)).Should().Throw<ArgumentException>().WithMessage("*at least one*fold*");
        new Action(() => new RandomSearch(2).Run(new SearchSpace(), SearchTestData.Folds(), _ => 0)).Should().Throw<ArgumentException>().WithMessage("*empty*");
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    internal sealed class InlineProgress(Action<SearchProgress> report) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => report(value);
    }
}
