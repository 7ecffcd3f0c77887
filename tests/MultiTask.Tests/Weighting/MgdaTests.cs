using FluentAssertions;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class MgdaTests
{
    [Fact]
    public void TwoOrthogonalGradients_MeetHalfWay()
    {
        var m = new TinyModel(2);
        // g1 = (1, 0), g2 = (0, 1): α₁ = ((g2 − g1)·g2)/‖g1 − g2‖² = 1/2.
        var result = new Mgda().Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 1)], m.Context("t1", "t2"));
        Expect.Close(result.Weights, 0.5, 0.5);
        Expect.Close(m.Theta.Grad, 0.5, 0.5);
        // Heads keep their ordinary gradients 2hᵢ.
        Expect.Close(m.Heads[0].Grad, 2);
        Expect.Close(m.Heads[1].Grad, 3);
        result.Diagnostics["direction_norm"].Should().BeApproximately(Math.Sqrt(0.5), 1e-6);
    }

    [Fact]
    public void TwoTasks_FollowTheClosedForm_AndClampToTheSimplex()
    {
        // g1 = (1, 0), g2 = (3, 4): α₁ = ((g2 − g1)·g2)/‖g1 − g2‖² = (2·3 + 4·4)/(4 + 16) = 1.1 → clamped to 1,
        // so the direction is g1 itself (the shorter gradient lies inside the other's half-space).
        var m = new TinyModel(2);
        var result = new Mgda().Backward([m.Linear(0, 1, 0), m.Linear(1, 3, 4)], m.Context("t1", "t2"));
        Expect.Close(result.Weights, 1, 0);
        Expect.Close(m.Theta.Grad, 1, 0);

        // g1 = (2, 0), g2 = (−1, 1): α₁ = ((−3)(−1) + 1·1)/(9 + 1) = 0.4; direction 0.4·g1 + 0.6·g2 = (0.2, 0.6).
        m = new TinyModel(2);
        result = new Mgda().Backward([m.Linear(0, 2, 0), m.Linear(1, -1, 1)], m.Context("t1", "t2"));
        Expect.Close(result.Weights, 0.4, 0.6);
        Expect.Close(m.Theta.Grad, 0.2, 0.6);
    }

    [Fact]
    public void ThreeTasks_FindTheMinimumNormPointOfTheHull()
    {
        // g1 = (1, 0), g2 = (0, 1), g3 = (−1, −1): the hull contains the origin (α = 1/3 each), so the
        // shared parameters are Pareto-stationary and get no update.
        var m = new TinyModel(3);
        var result = new Mgda().Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 1), m.Linear(2, -1, -1)], m.Context("t1", "t2", "t3"));
        result.Weights.Should().AllSatisfy(w => w.Should().BeApproximately(1.0 / 3, 1e-3));
        result.Diagnostics["direction_norm"].Should().BeLessThan(1e-3);
    }

    [Fact]
    public void ThreeTasks_SatisfyTheOptimalityConditions()
    {
        // Minimum-norm point d = Σαᵢgᵢ of the hull: gᵢ·d ≥ ‖d‖² for every i, with equality where αᵢ > 0
        // (Frank–Wolfe converges as O(1/k), so to about 1e-4 here).
        double[][] g = [[2, 1], [1, 3], [-1, 2]];
        var gram = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) gram[i, j] = g[i][0] * g[j][0] + g[i][1] * g[j][1];
        var alpha = Mgda.MinNormWeights(gram, 10_000, 1e-12);
        alpha.Sum().Should().BeApproximately(1, 1e-9);
        alpha.Should().OnlyContain(a => a >= 0);
        double[] d = [alpha.Select((a, i) => a * g[i][0]).Sum(), alpha.Select((a, i) => a * g[i][1]).Sum()];
        double dd = d[0] * d[0] + d[1] * d[1];
        for (int i = 0; i < 3; i++)
        {
            double gd = g[i][0] * d[0] + g[i][1] * d[1];
            gd.Should().BeGreaterThanOrEqualTo(dd - 1e-3, $"task {i}");
            if (alpha[i] > 1e-3) gd.Should().BeApproximately(dd, 1e-3, $"task {i} is in the support");
        }
    }

    [Fact]
    public void AbsentTask_IsSkipped()
    {
        var m = new TinyModel(3);
        var result = new Mgda().Backward([m.Linear(0, 1, 0), null, m.Linear(2, 0, 1)], m.Context("t1", "t2", "t3"));
        Expect.Close(result.Weights, 0.5, 0, 0.5);
        Expect.Close(m.Theta.Grad, 0.5, 0.5);
    }

    [Fact]
    public void NearlyOpposedGradients_AreAParetoStationaryStep()
    {
        // g1 = (1, 0), g2 = (−1, 1e-5): α ≈ (½, ½) and Σαg ≈ (0, 5e-6), 5e-6 of the largest gradient's norm —
        // cancellation noise, not a common descent direction. The shared parameters get no gradient.
        var m = new TinyModel(2);
        var mgda = new Mgda();
        var result = mgda.Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 1e-5f)], m.Context("t1", "t2"));
        m.Theta.Grad!.ToArray().Should().Equal(0f, 0f);
        Expect.Close(m.Heads[0].Grad, 2);
        Expect.Close(m.Heads[1].Grad, 3);
        result.Diagnostics["stationary"].Should().Be(1);
        result.Diagnostics["direction_norm"].Should().BeApproximately(5e-6, 1e-7);
        mgda.StationarySteps.Should().Be(1);

        // Without the tolerance the residue is passed on (what Adam would blow up to a full-sized step).
        m = new TinyModel(2);
        var plain = new Mgda(stationaryTolerance: 0);
        plain.Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 1e-5f)], m.Context("t1", "t2")).Diagnostics["stationary"].Should().Be(0);
        m.Theta.Grad!.ToArray()[1].Should().BeApproximately(5e-6f, 1e-7f);
        plain.StationarySteps.Should().Be(0);
    }

    [Fact]
    public void AgreeingGradients_AreNotStationary_AndTheCountIsCheckpointed()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var mgda = new Mgda();
        mgda.Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 1e-5f)], ctx);
        m.ZeroGrad();
        var result = mgda.Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 1)], ctx);
        result.Diagnostics["stationary"].Should().Be(0);
        Expect.Close(m.Theta.Grad, 0.5, 0.5);

        var state = mgda.StateDict();
        state.Values["stationary_steps"].Should().Be(1);
        var restored = new Mgda();
        restored.LoadStateDict(state);
        restored.StationarySteps.Should().Be(1);
        restored.LoadStateDict(new MultiTask.Weighting.WeightingStateDict());
        restored.StationarySteps.Should().Be(0, "a checkpoint from before the counter existed starts it at 0");
        foreach (double bad in new[] { -1, 0.5, double.NaN, double.PositiveInfinity, 1e300 })
        {
            var damaged = new MultiTask.Weighting.WeightingStateDict();
            damaged.Values["stationary_steps"] = bad;
            restored.Invoking(r => r.LoadStateDict(damaged)).Should().Throw<ArgumentException>().WithMessage("*stationary_steps*");
        }
        restored.StationarySteps.Should().Be(0, "a rejected snapshot changes nothing");
        FluentActions.Invoking(() => new Mgda(stationaryTolerance: 1)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
