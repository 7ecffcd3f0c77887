using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class PCGradTests
{
    [Fact]
    public void Backward_ConflictingGradients_AreProjected()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        // g1 = (1, 0), g2 = (−1, 1): g1·g2 = −1 < 0.
        // g1' = g1 − (−1/‖g2‖²)·g2 = (1, 0) + ½(−1, 1) = (½, ½); g2' = g2 − (−1/‖g1‖²)·g1 = (0, 1).
        var result = new PCGrad(seed: 1).Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 1)], ctx);

        Expect.Close(m.Theta.Grad, 0.5, 1.5);
        Expect.Close(result.Weights, 1, 1);
        result.Diagnostics["conflicts"].Should().Be(2);
        // Heads get their ordinary gradients 2hᵢ (h = 1, 1.5).
        Expect.Close(m.Heads[0].Grad, 2);
        Expect.Close(m.Heads[1].Grad, 3);
        // Objective Σ Lᵢ: θ·g1 + h1² + θ·g2 + h2² = 1 + 1 + 1 + 2.25.
        Expect.Close(result.Objective, 5.25);
    }

    [Fact]
    public void Backward_NonConflictingGradients_AreSummed()
    {
        var m = new TinyModel(2);
        var result = new PCGrad().Backward([m.Linear(0, 1, 0), m.Linear(1, 1, 1)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 2, 1);
        result.Diagnostics["conflicts"].Should().Be(0);
    }

    [Fact]
    public void Backward_KeepsGradientAccumulatedBefore()
    {
        var m = new TinyModel(2);
        m.Theta.Grad = Tensor.FromArray([10f, 10f], 2);
        m.Heads[0].Grad = Tensor.Scalar(1f);
        new PCGrad().Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 1)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 10.5, 11.5);
        Expect.Close(m.Heads[0].Grad, 3);
    }

    [Fact]
    public void Backward_ThreeTasks_OrderDependsOnSeed_AndSameSeedRepeats()
    {
        // g1 = (1, 0) conflicts with g2 = (−1, 2) and g3 = (−1, −2); projecting onto g2 then g3 gives
        // (0.48, −0.24), the other order (0.48, 0.24), so the seed matters.
        float[][] RunSteps(ulong seed, int steps)
        {
            var pc = new PCGrad(seed);
            var runs = new float[steps][];
            var m = new TinyModel(3);
            var ctx = m.Context("t1", "t2", "t3");
            for (int s = 0; s < steps; s++)
            {
                m.ZeroGrad();
                pc.Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 2), m.Linear(2, -1, -2)], ctx);
                runs[s] = m.Theta.Grad!.ToArray();
            }
            return runs;
        }
        var a = RunSteps(7, 12);
        var b = RunSteps(7, 12);
        a.Should().BeEquivalentTo(b, o => o.WithStrictOrdering());
        a.Select(g => (g[0], g[1])).Distinct().Count().Should().BeGreaterThan(1, "different random orders give different projections");
    }

    [Fact]
    public void StateDict_Resume_ContinuesTheSameRandomStream()
    {
        var m = new TinyModel(3);
        var ctx = m.Context("t1", "t2", "t3");
        Tensor?[] Losses() => [m.Linear(0, 1, 0), m.Linear(1, -1, 2), m.Linear(2, -1, -2)];
        var original = new PCGrad(ulong.MaxValue - 5);
        for (int s = 0; s < 3; s++) original.Backward(Losses(), ctx);
        var snapshot = original.StateDict();

        var expected = new List<float[]>();
        for (int s = 0; s < 8; s++)
        {
            m.ZeroGrad();
            original.Backward(Losses(), ctx);
            expected.Add(m.Theta.Grad!.ToArray());
        }
        var resumed = new PCGrad(seed: 0);
        var huge = new MultiTask.Weighting.WeightingStateDict();
        foreach (var (key, value) in snapshot.Values) huge.Values[key] = value;
        huge.Values["draws"] = 1e15; // would replay for days
        resumed.Invoking(r => r.LoadStateDict(huge)).Should().Throw<ArgumentException>().WithMessage("*draw count*exceeds*");
        resumed.LoadStateDict(snapshot);
        resumed.Seed.Should().Be(ulong.MaxValue - 5);
        for (int s = 0; s < 8; s++)
        {
            m.ZeroGrad();
            resumed.Backward(Losses(), ctx);
            m.Theta.Grad!.ToArray().Should().Equal(expected[s]);
        }
    }

    [Fact]
    public void Backward_WithoutSharedParameters_Throws()
    {
        var m = new TinyModel(1);
        var act = () => new PCGrad().Backward([m.Linear(0, 1, 0)], new WeightingContext(["t1"], []));
        act.Should().Throw<InvalidOperationException>().WithMessage("*shared parameters*");
    }
}
