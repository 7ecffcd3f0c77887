using FluentAssertions;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class StaticWeightingTests
{
    [Fact]
    public void Backward_WeighsEachLoss_MissingTaskGetsOne()
    {
        var m = new TinyModel(3);
        var weighting = new StaticWeighting(new Dictionary<string, double> { ["t1"] = 2.0, ["t2"] = 0.5 });
        // L1 = 9, ∇ = (6, 6); L2 = 1, ∇ = (−2, 2); L3 = (θ·(0,1))² = 4, ∇ = (0, 4); w3 = 1 (not listed).
        var result = weighting.Backward([m.Square(1, 1), m.Square(1, -1), m.Square(0, 1)], m.Context("t1", "t2", "t3"));

        Expect.Close(result.Weights, 2, 0.5, 1);
        Expect.Close(result.Objective, 2 * 9 + 0.5 * 1 + 4);
        Expect.Close(m.Theta.Grad, 2 * 6 + 0.5 * -2 + 0, 2 * 6 + 0.5 * 2 + 4);
    }

    [Fact]
    public void Initialize_UnknownTask_ListsKnownTasks()
    {
        var m = new TinyModel(2);
        var weighting = new StaticWeighting(new Dictionary<string, double> { ["house"] = 2.0 });
        var act = () => weighting.Backward([m.Square(1, 1), m.Square(1, -1)], m.Context("t1", "t2"));
        act.Should().Throw<ArgumentException>().WithMessage("*'house'*Known tasks: 't1', 't2'*");
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Constructor_BadWeight_Throws(double w)
    {
        var act = () => new StaticWeighting(new Dictionary<string, double> { ["t1"] = w });
        act.Should().Throw<ArgumentException>().WithMessage("*'t1'*finite and non-negative*");
    }
}
