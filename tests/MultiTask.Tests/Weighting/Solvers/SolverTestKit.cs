using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Weighting.Solvers;

internal static class SolverTestKit
{
    public static double[,] Gram(params double[][] vectors)
    {
        var g = new double[vectors.Length, vectors.Length];
        for (int i = 0; i < vectors.Length; i++)
            for (int j = 0; j < vectors.Length; j++) g[i, j] = Dot(vectors[i], vectors[j]);
        return g;
    }

    public static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    public static double[] Combine(double[][] vectors, double[] weights) =>
        [.. Enumerable.Range(0, vectors[0].Length).Select(k => vectors.Select((v, i) => weights[i] * v[k]).Sum())];

    public static double[][] RandomVectors(ulong seed, int count, int dimension)
    {
        var g = new Generator(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dimension).Select(_ => g.NextNormal()).ToArray())];
    }
}
