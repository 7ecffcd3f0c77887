using FluentAssertions;
using MultiTask.Search;

namespace MultiTask.Tests.Search;

public class TrialTests
{
    private static Trial Make()
    {
        var result = new GridSearch(1, new SearchOptions { MaxParallel = 1 }).Run(
            new SearchSpace().LogUniform("lr", 1e-4, 1e-1, grid: [1e-3]).Int("layers", 2, 2).Fixed("widths", new[] { 16, 16 }).Fixed<double?>("clip", null),
            SearchTestData.Folds(2), _ => 1.0);
        return result.BestTrial;
    }

    [Fact]
    public void Get_returns_typed_values()
    {
        var trial = Make();
        trial.Get<double>("lr").Should().Be(1e-3);
        trial.Get<int>("layers").Should().Be(2);
        trial.Get<int[]>("widths").Should().Equal(16, 16);
        trial.Get<double?>("clip").Should().BeNull();
        trial.ToString().Should().Be("lr=0.001, layers=2, widths=[16, 16], clip=null");
    }

    [Fact]
    public void A_lone_array_in_Choice_is_the_option_list_and_the_errors_say_so()
    {
        new Action(() => new SearchSpace().Choice("widths", new[] { 16, 16 }))
            .Should().Throw<ArgumentException>().WithMessage("*'widths' lists 16 twice*Choice<int[]>*");
        var result = new GridSearch(1, new SearchOptions { MaxParallel = 1 })
            .Run(new SearchSpace().Choice("widths", new[] { 16, 32 }), SearchTestData.Folds(2), _ => 1.0);
        result.Trials.Should().HaveCount(2);
        new Action(() => result.BestTrial.Get<int[]>("widths"))
            .Should().Throw<InvalidCastException>().WithMessage("*Int32 (16), not a Int32[]*list of options*");
        result = new GridSearch(1, new SearchOptions { MaxParallel = 1 })
            .Run(new SearchSpace().Choice<int[]>("widths", [16, 16], [32, 32]), SearchTestData.Folds(2), f => f.Trial.Get<int[]>("widths")[0]);
        result.BestTrial.Get<int[]>("widths").Should().Equal(16, 16);
    }

    [Fact]
    public void Unknown_name_lists_the_parameters()
    {
        var act = () => Make().Get<double>("learning_rate");
        act.Should().Throw<KeyNotFoundException>().WithMessage("*'learning_rate'*lr, layers, widths, clip*");
    }

    [Fact]
    public void Wrong_type_names_the_actual_type_and_the_fix()
    {
        var act = () => Make().Get<float>("lr");
        act.Should().Throw<InvalidCastException>().WithMessage("*'lr' is a Double*not a Single*Get<Double>(\"lr\")*");
        var nullToValue = () => Make().Get<double>("clip");
        nullToValue.Should().Throw<InvalidCastException>().WithMessage("*'clip' is a null*");
    }

    [Fact]
    public void Factories_without_text_are_told_apart_by_position()
    {
        Func<int> one = () => 1, two = () => 2;
        var result = new GridSearch(1, new SearchOptions { MaxParallel = 1 })
            .Run(new SearchSpace().Choice("make", one, two), SearchTestData.Folds(2), f => f.Trial.Get<Func<int>>("make")());
        result.Trials.Select(t => t.Trial.ToString()).Should().Equal("make=Int32 factory #1", "make=Int32 factory #2");
        result.BestTrial.Get<Func<int>>("make").Should().BeSameAs(one);
    }
}
