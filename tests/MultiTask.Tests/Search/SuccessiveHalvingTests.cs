using FluentAssertions;
using MultiTask.Search;

namespace MultiTask.Tests.Search;

public class SuccessiveHalvingTests
{
    [Fact]
    public void Rungs_keep_one_in_eta_and_multiply_the_budget()
    {
        new SuccessiveHalving(27, 1, 27, eta: 3).Rungs().Should().Equal((27, 1), (9, 3), (3, 9), (1, 27));
        new SuccessiveHalving(10, 2, 20, eta: 2).Rungs().Should().Equal((10, 2), (5, 4), (2, 8), (1, 16), (1, 20));
        new SuccessiveHalving(5, 4, 4).Rungs().Should().Equal((5, 4));
    }

    [Fact]
    public void Each_rung_evaluates_the_best_third_of_the_previous_one_and_finds_the_optimum()
    {
        var space = new SearchSpace().LogUniform("lr", 1e-4, 1);
        var strategy = new SuccessiveHalving(27, minBudget: 1, maxBudget: 27, eta: 3, new SearchOptions { Seed = 3, MaxParallel = 2 });
        // Noise of sd 1e-4 at budget 1 shrinking as 1/budget: large enough to reorder neighbours at the first
        // rungs, small enough that the configuration nearest 0.01 survives to the last one.
        var result = strategy.Run(space, SearchTestData.Folds(), f => SearchTestData.Quadratic(f, 1e-4));

        result.Trials.GroupBy(t => t.Rung).Select(g => (g.Count(), g.First().Budget)).Should().Equal((27, 1), (9, 3), (3, 9), (1, 27));
        result.Trials.Select(t => t.Index).Should().Equal(Enumerable.Range(0, 40));
        for (int rung = 1; rung < 4; rung++)
        {
            var previous = result.Trials.Where(t => t.Rung == rung - 1).ToArray();
            var current = result.Trials.Where(t => t.Rung == rung).ToArray();
            var expected = previous.OrderBy(t => t.Mean).Take(current.Length).Select(t => t.Trial.Id).Order();
            current.Select(t => t.Trial.Id).Should().Equal(expected, $"rung {rung} keeps the best of rung {rung - 1}, in configuration order");
            current.Should().OnlyContain(t => ReferenceEquals(t.Trial, previous.Single(p => p.Trial.Id == t.Trial.Id).Trial));
        }
        var nearest = result.Trials.Where(t => t.Rung == 0).MinBy(t => Math.Abs(t.Trial.Get<double>("lr") - 0.01))!;
        result.Best.Rung.Should().Be(3);
        result.BestTrial.Id.Should().Be(nearest.Trial.Id);
    }

    [Fact]
    public void Failed_configurations_rank_last()
    {
        // Odd n fail; of the 9 first-rung configurations the 3 kept are the best completed ones, then
        // failed ones by index only if fewer than 3 completed.
        var space = new SearchSpace().Int("n", 0, 9);
        var result = new SuccessiveHalving(9, 1, 3, eta: 3, new SearchOptions { MaxParallel = 2, Seed = 4 }).Run(
            space, SearchTestData.Folds(2), f => f.Trial.Get<int>("n") % 2 == 1 ? throw new InvalidOperationException("odd") : -f.Trial.Get<int>("n"));
        var first = result.Trials.Where(t => t.Rung == 0).ToArray();
        first.Should().Contain(t => t.Status == TrialStatus.Failed).And.Contain(t => t.Status == TrialStatus.Completed);
        var expected = first.OrderBy(t => t.Status == TrialStatus.Failed).ThenBy(t => t.Status == TrialStatus.Failed ? 0 : t.Mean).ThenBy(t => t.Index)
            .Take(3).Select(t => t.Trial.Id).Order();
        result.Trials.Where(t => t.Rung == 1).Select(t => t.Trial.Id).Should().Equal(expected);
    }

    [Fact]
    public void Bad_settings_name_the_option()
    {
        new Action(() => new SuccessiveHalving(0, 1, 9)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*configuration*");
        new Action(() => new SuccessiveHalving(9, 3, 2)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*maxBudget*minBudget*");
        new Action(() => new SuccessiveHalving(9, 1, 9, eta: 1)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*eta*");
    }
}
