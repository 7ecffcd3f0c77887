using FluentAssertions;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class DualProjTests
{
    [Fact]
    public void ConflictingMean_IsProjectedOntoTheDualCone()
    {
        // g1 = (1, 0), g2 = (−2, 1): the mean (−½, ½) violates g1·x ≥ 0; the dual cone {x₁ ≥ 0, x₂ ≥ 2x₁} is
        // nearest along −e₁, at (0, ½) = 1·g1 + ½·g2.
        var m = new TinyModel(2);
        var result = new DualProj().Backward([m.Linear(0, 1, 0), m.Linear(1, -2, 1)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 0, 0.5);
        Expect.Close(result.Weights, 1, 0.5);
        Expect.Close(m.Heads[0].Grad, 2);
    }

    [Fact]
    public void MeanInsideTheCone_IsUnchanged()
    {
        // g1 = (1, 0), g2 = (−1, 1): the mean (0, ½) has products 0 and ½ with them.
        var m = new TinyModel(2);
        var result = new DualProj().Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 1)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 0, 0.5);
        Expect.Close(result.Weights, 0.5, 0.5);
    }
}
