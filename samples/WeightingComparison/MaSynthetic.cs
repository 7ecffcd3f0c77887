using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

/// <summary>
/// Ma et al. (KDD 2018, the MMoE paper) synthetic regression tasks whose relatedness is the correlation p of their
/// weight vectors: w1 = u1, w2 = p·u1 + √(1−p²)·u2 for orthonormal u1, u2 in R^d;
/// y_k = w_kᵀx + Σ_{i≤10} sin(α_i·w_kᵀx + β_i) + 0.1·ε, with x, α, β and ε standard normal. Shared by the
/// WeightingComparison and ExpertTrend samples.
/// </summary>
internal static class MaSynthetic
{
    /// <summary>Draws <paramref name="rows"/> rows of features x_000… and labels task1, task2.</summary>
    public static MultiTaskDataset Generate(double p, int rows = 1000, int d = 100, ulong seed = 2026)
    {
        var g = new Generator(seed);
        var u1 = Enumerable.Range(0, d).Select(_ => g.NextNormal()).ToArray();
        var u2 = Enumerable.Range(0, d).Select(_ => g.NextNormal()).ToArray();
        Normalize(u1);
        double dot = u1.Zip(u2).Sum(z => z.First * z.Second);
        for (int j = 0; j < d; j++) u2[j] -= dot * u1[j];
        Normalize(u2);
        double[][] w = [u1, [.. u1.Zip(u2).Select(z => p * z.First + Math.Sqrt(1 - p * p) * z.Second)]];
        var alpha = Enumerable.Range(0, 10).Select(_ => g.NextNormal()).ToArray();
        var beta = Enumerable.Range(0, 10).Select(_ => g.NextNormal()).ToArray();
        var x = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, d).Select(_ => g.NextNormal()).ToArray()).ToArray();
        var table = new Table("synthetic");
        for (int j = 0; j < d; j++) table.Add($"x_{j:000}", x.Select(r => r[j]).ToArray());
        for (int k = 0; k < 2; k++)
        {
            var y = x.Select(r =>
            {
                double z = r.Zip(w[k]).Sum(t => t.First * t.Second);
                return z + alpha.Zip(beta).Sum(ab => Math.Sin(ab.First * z + ab.Second)) + 0.1 * g.NextNormal();
            }).ToArray();
            table.Add($"task{k + 1}", y);
        }
        string[] features = [.. Enumerable.Range(0, d).Select(j => $"x_{j:000}")];
        return MultiTaskDataset.FromTable(features.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f)),
            [TaskSpec.Regression("task1", features), TaskSpec.Regression("task2", features)], table);
    }

    private static void Normalize(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(a => a * a));
        for (int j = 0; j < v.Length; j++) v[j] /= norm;
    }
}
