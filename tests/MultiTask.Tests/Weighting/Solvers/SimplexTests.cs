using FluentAssertions;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Tests.Weighting.Solvers;

public class SimplexTests
{
    [Fact]
    public void HandCases()
    {
        // Already on the simplex: unchanged.
        Expect.Close(Simplex.Project([0.2, 0.8]), 0.2, 0.8);
        // (0.45, 0.4875) sums to 0.9375: both move up by 0.03125.
        Expect.Close(Simplex.Project([0.45, 0.4875]), 0.48125, 0.51875);
        // (2, 0, −1): subtracting θ = 1 leaves (1, 0, 0).
        Expect.Close(Simplex.Project([2, 0, -1]), 1, 0, 0);
        // Scaled simplex of total 3.
        Expect.Close(Simplex.Project([1, 1, 1], 3), 1, 1, 1);
    }

    [Fact]
    public void RandomPoints_SatisfyTheProjectionConditions()
    {
        // x = max(v − θ, 0) with Σx = 1 characterises the projection; check it and that no random simplex point is nearer.
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var v = SolverTestKit.RandomVectors(seed, 1, 5)[0];
            var x = Simplex.Project(v);
            x.Sum().Should().BeApproximately(1, 1e-12);
            x.Should().OnlyContain(a => a >= 0);
            double distance = v.Zip(x, (a, b) => (a - b) * (a - b)).Sum();
            foreach (var other in SolverTestKit.RandomVectors(seed + 99, 50, 5))
            {
                var p = other.Select(Math.Abs).ToArray();
                double sum = p.Sum();
                double d = v.Zip(p, (a, b) => (a - b / sum) * (a - b / sum)).Sum();
                d.Should().BeGreaterThanOrEqualTo(distance - 1e-12);
            }
        }
    }
}
