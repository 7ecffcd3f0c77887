using FluentAssertions;
using MultiTask.Search;

namespace MultiTask.Tests.Search;

public class GridSearchTests
{
    [Fact]
    public void Evaluates_every_grid_point_once_in_grid_order_on_every_fold()
    {
        var space = new SearchSpace().Uniform("x", -1, 1, grid: [-1, 0, 0.5]).Int("n", 1, 2);
        var calls = new System.Collections.Concurrent.ConcurrentBag<(double, int, int, int)>();
        var result = new GridSearch(budget: 4, new SearchOptions { MaxParallel = 2 }).Run(space, SearchTestData.Folds(3), f =>
        {
            calls.Add((f.Trial.Get<double>("x"), f.Trial.Get<int>("n"), f.Fold, f.Budget));
            return f.Trial.Get<double>("x") * f.Trial.Get<double>("x") + f.Trial.Get<int>("n") + f.Fold;
        });

        result.Trials.Select(t => (t.Parameters["x"], t.Parameters["n"])).Should().Equal(
            ((object?)-1.0, (object?)1), (-1.0, 2), (0.0, 1), (0.0, 2), (0.5, 1), (0.5, 2));
        result.Trials.Select(t => t.Index).Should().Equal(0, 1, 2, 3, 4, 5);
        result.Trials.Should().OnlyContain(t => t.Budget == 4 && t.Rung == 0 && t.Status == TrialStatus.Completed);
        calls.Should().HaveCount(18).And.OnlyHaveUniqueItems();
        // Folds add 0, 1, 2: mean +1, sample sd 1.
        result.Trials[2].FoldScores.Should().Equal(1, 2, 3);
        result.Trials[2].Mean.Should().Be(2);
        result.Trials[2].StandardDeviation.Should().Be(1);
        result.Best.Index.Should().Be(2);
        result.BestParameters["x"].Should().Be(0.0);
    }

    [Fact]
    public void Higher_is_better_picks_the_maximum()
    {
        var result = new GridSearch(1, new SearchOptions { Direction = MultiTask.Metrics.MetricDirection.HigherIsBetter, MaxParallel = 1 })
            .Run(new SearchSpace().Int("n", 1, 5), SearchTestData.Folds(2), f => -(f.Trial.Get<int>("n") - 4) * (f.Trial.Get<int>("n") - 4));
        result.BestTrial.Get<int>("n").Should().Be(4);
    }

    [Fact]
    public void Ties_keep_the_earliest()
    {
        var result = new GridSearch(1, new SearchOptions { MaxParallel = 2 })
            .Run(new SearchSpace().Int("n", 1, 4), SearchTestData.Folds(2), f => f.Trial.Get<int>("n") >= 2 ? 0 : 1);
        result.Best.Index.Should().Be(1);
    }
}
