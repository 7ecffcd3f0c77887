using FluentAssertions;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Tests.Weighting.Solvers;

public class GramMatrixTests
{
    [Fact]
    public void SymmetricEigen_OfATwoByTwo()
    {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with eigenvectors (1, 1)/√2 and (1, −1)/√2.
        var (values, vectors) = GramMatrix.SymmetricEigen(new double[,] { { 2, 1 }, { 1, 2 } });
        Expect.Close(values, 3, 1);
        Math.Abs(vectors[0, 0]).Should().BeApproximately(Math.Sqrt(0.5), 1e-12);
        (vectors[0, 0] * vectors[1, 0]).Should().BeApproximately(0.5, 1e-12);
        (vectors[0, 1] * vectors[1, 1]).Should().BeApproximately(-0.5, 1e-12);
    }

    [Fact]
    public void SymmetricEigen_ReconstructsARandomGram()
    {
        var gram = SolverTestKit.Gram(SolverTestKit.RandomVectors(3, 5, 7));
        var (values, vectors) = GramMatrix.SymmetricEigen(gram);
        values.Should().BeInDescendingOrder();
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
                Enumerable.Range(0, 5).Sum(k => vectors[i, k] * values[k] * vectors[j, k]).Should().BeApproximately(gram[i, j], 1e-10);
    }

    [Fact]
    public void SolveSemiDefinite_DropsDependentDirections()
    {
        // [[1, 1], [1, 1]]·x = (2, 2) is consistent but singular: one unknown is set to 0, the other to 2.
        var x = GramMatrix.SolveSemiDefinite(new double[,] { { 1, 1 }, { 1, 1 } }, [0, 1], [2, 2]);
        (x[0] + x[1]).Should().BeApproximately(2, 1e-12);
        x.Should().Contain(0);
    }
}
