using FluentAssertions;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class UPGradTests
{
    [Fact]
    public void ConflictingGradients_AverageTheirProjections()
    {
        // g1 = (1, 0), g2 = (−1, 1); dual cone {x₁ ≥ 0, x₂ ≥ x₁}. g1 projects to (½, ½) (weights (1, ½)),
        // g2 to (0, 1) (weights (1, 1)); the mean is (¼, ¾) with weights (1, ¾).
        var m = new TinyModel(2);
        var result = new UPGrad().Backward([m.Linear(0, 1, 0), m.Linear(1, -1, 1)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 0.25, 0.75);
        Expect.Close(result.Weights, 1, 0.75);
        Expect.Close(m.Heads[1].Grad, 3);
    }

    [Fact]
    public void AgreeingGradients_GiveTheMean()
    {
        var m = new TinyModel(2);
        new UPGrad().Backward([m.Linear(0, 1, 0), m.Linear(1, 1, 1)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 1, 0.5);
    }

    [Theory]
    [InlineData(1, 0, -1, 0.2, 0.3, -1)]
    [InlineData(1, 1, -2, 1, 0.5, -3)]
    [InlineData(0.1, 0, -5, 0.5, 2, 2)]
    public void Result_DoesNotConflictWithAnyTask(float a0, float a1, float b0, float b1, float c0, float c1)
    {
        var m = new TinyModel(3);
        new UPGrad().Backward([m.Linear(0, a0, a1), m.Linear(1, b0, b1), m.Linear(2, c0, c1)], m.Context("t1", "t2", "t3"));
        var d = m.Theta.Grad!.ToArray();
        foreach (var (x, y) in new[] { (a0, a1), (b0, b1), (c0, c1) })
            ((double)x * d[0] + (double)y * d[1]).Should().BeGreaterThanOrEqualTo(-1e-5);
    }
}
