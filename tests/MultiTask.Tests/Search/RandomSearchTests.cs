using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Search;

namespace MultiTask.Tests.Search;

public class RandomSearchTests
{
    [Fact]
    public void Draws_n_configurations_in_range_and_finds_the_best_of_them()
    {
        var space = new SearchSpace().LogUniform("lr", 1e-4, 1).Int("layers", 1, 3);
        var result = new RandomSearch(trials: 20, budget: 2, new SearchOptions { Seed = 5 }).Run(space, SearchTestData.Folds(), f => SearchTestData.Quadratic(f, 0));

        result.Trials.Should().HaveCount(20);
        result.Trials.Select(t => t.Trial.Id).Should().Equal(Enumerable.Range(0, 20));
        result.Trials.Should().OnlyContain(t => t.Budget == 2);
        foreach (var t in result.Trials)
        {
            t.Trial.Get<double>("lr").Should().BeInRange(1e-4, 1);
            t.Trial.Get<int>("layers").Should().BeInRange(1, 3);
        }
        double bestDistance = result.Trials.Min(t => Math.Abs(t.Trial.Get<double>("lr") - 0.01));
        Math.Abs(result.BestTrial.Get<double>("lr") - 0.01).Should().Be(bestDistance);
    }

    [Fact]
    public void Configurations_are_the_space_sampled_from_the_seeded_stream()
    {
        // The trial order must not depend on evaluation: the same draws as sampling the space by hand
        // from the search's stream, whatever the fold count.
        var space = new SearchSpace().LogUniform("lr", 1e-4, 1).Choice("w", "a", "b", "c");
        var a = new RandomSearch(6, options: new SearchOptions { Seed = 11, MaxParallel = 2 }).Run(space, SearchTestData.Folds(2), _ => 0);
        var b = new RandomSearch(6, options: new SearchOptions { Seed = 11, MaxParallel = 1 }).Run(space, SearchTestData.Folds(4), _ => 0);
        var c = new RandomSearch(6, options: new SearchOptions { Seed = 12 }).Run(space, SearchTestData.Folds(2), _ => 0);
        a.Trials.Select(t => t.Trial.ToString()).Should().Equal(b.Trials.Select(t => t.Trial.ToString()));
        a.Trials.Select(t => t.Trial.Get<double>("lr")).Should().NotIntersectWith(c.Trials.Select(t => t.Trial.Get<double>("lr")));
        a.Trials.Select(t => t.Trial.Seed).Should().OnlyHaveUniqueItems();
    }
}
