using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class GradDropTests
{
    [Fact]
    public void AgreeingSigns_AreSummed()
    {
        // Coordinate 0: both positive (P = 1); coordinate 1: both negative (P = 0): nothing is dropped.
        var m = new TinyModel(2);
        var result = new GradDrop(seed: 4).Backward([m.Linear(0, 1, -1), m.Linear(1, 2, -3)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 3, -4);
        Expect.Close(result.Weights, 1, 1);
        result.Diagnostics["dropped"].Should().Be(0);
        Expect.Close(m.Heads[1].Grad, 3);
    }

    [Fact]
    public void ConflictingCoordinate_KeepsThePositiveSignWithProbabilityP()
    {
        // g1 = (3, ·), g2 = (−1, ·): P = ½(1 + 2/4) = ¾, so the coordinate is 3 three times in four, else −1.
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var gradDrop = new GradDrop(seed: 11);
        int positive = 0, steps = 4000;
        for (int s = 0; s < steps; s++)
        {
            m.ZeroGrad();
            var result = gradDrop.Backward([m.Linear(0, 3, 0), m.Linear(1, -1, 0)], ctx);
            float value = m.Theta.Grad!.ToArray()[0];
            value.Should().BeOneOf(3f, -1f);
            if (value == 3f) positive++;
            result.Diagnostics["dropped"].Should().Be(0.5);
        }
        ((double)positive / steps).Should().BeApproximately(0.75, 0.03);
    }

    [Fact]
    public void Leak_PassesPartOfTheDroppedGradient()
    {
        var m = new TinyModel(2);
        new GradDrop(seed: 2, leak: 0.5).Backward([m.Linear(0, 3, 0), m.Linear(1, -1, 0)], m.Context("t1", "t2"));
        m.Theta.Grad!.ToArray()[0].Should().BeOneOf(3f - 0.5f, -1f + 1.5f);
    }

    [Fact]
    public void StateDict_Resume_DrawsTheSameNumbers()
    {
        var m = new TinyModel(3);
        var ctx = m.Context("t1", "t2", "t3");
        Tensor?[] Losses() => [m.Linear(0, 1, -2), m.Linear(1, -1, 1), m.Linear(2, 0.5f, 0.5f)];
        var original = new GradDrop(seed: ulong.MaxValue - 3);
        for (int s = 0; s < 3; s++) original.Backward(Losses(), ctx);
        var snapshot = original.StateDict();
        var expected = new List<float[]>();
        for (int s = 0; s < 12; s++)
        {
            m.ZeroGrad();
            original.Backward(Losses(), ctx);
            expected.Add(m.Theta.Grad!.ToArray());
        }
        expected.Select(e => (e[0], e[1])).Distinct().Count().Should().BeGreaterThan(1, "the draws vary");

        var resumed = new GradDrop();
        resumed.LoadStateDict(snapshot);
        resumed.Seed.Should().Be(ulong.MaxValue - 3);
        for (int s = 0; s < 12; s++)
        {
            m.ZeroGrad();
            resumed.Backward(Losses(), ctx);
            m.Theta.Grad!.ToArray().Should().Equal(expected[s]);
        }
        snapshot.Values["s1.low"] = -1;
        resumed.Invoking(r => r.LoadStateDict(snapshot)).Should().Throw<ArgumentException>().WithMessage("*'s1'*");
    }
}
