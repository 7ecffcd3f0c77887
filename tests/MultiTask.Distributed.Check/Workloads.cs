using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Distributed.Check;

/// <summary>Synthetic training data, the same on every rank (drawn from a fixed seed).</summary>
internal static class Workloads
{
    /// <summary>
    /// A regression and a binary task over <paramref name="features"/> normal features; each label is missing on about a
    /// fifth of the rows (independently), so shards hold different label counts per task.
    /// </summary>
    public static EncodedData TwoTasks(int rows, int features, ulong seed)
    {
        var g = new Generator(seed);
        var names = Enumerable.Range(0, features).Select(i => $"x{i}").ToArray();
        var x = new double[rows][];
        var y = new double[rows];
        var c = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            var row = new double[features];
            for (int f = 0; f < features; f++) row[f] = g.NextNormal();
            x[i] = row;
            double s = 0, t = 0;
            for (int f = 0; f < features; f++)
            {
                s += (f % 3 - 1) * row[f];
                t += (f % 2 == 0 ? 0.5 : -0.25) * row[f];
            }
            y[i] = g.NextDouble() < 0.2 ? double.NaN : s + 0.1 * g.NextNormal();
            c[i] = g.NextDouble() < 0.2 ? double.NaN : t + 0.3 * g.NextNormal() > 0 ? 1 : 0;
        }
        var schema = new FeatureSchema();
        foreach (var n in names) schema = schema.Numeric(n);
        var data = MultiTaskDataset.FromArrays(schema, [TaskSpec.Regression("y", names), TaskSpec.Binary("c", names)], x, names,
            new Dictionary<string, double[]> { ["y"] = y, ["c"] = c });
        return FeatureEncoder.Fit(data).Transform(data);
    }

    /// <summary>W3's shape (docs/benchmarks.md): 512 features, 4 regression tasks, every label present.</summary>
    public static EncodedData Wide(int rows, int features, int tasks, ulong seed)
    {
        var g = new Generator(seed);
        var names = Enumerable.Range(0, features).Select(i => $"x{i}").ToArray();
        var x = new double[rows][];
        var labels = Enumerable.Range(0, tasks).Select(_ => new double[rows]).ToArray();
        for (int i = 0; i < rows; i++)
        {
            var row = new double[features];
            for (int f = 0; f < features; f++) row[f] = g.NextNormal();
            x[i] = row;
            for (int t = 0; t < tasks; t++) labels[t][i] = row[t] - 0.5 * row[t + tasks] + 0.1 * g.NextNormal();
        }
        var schema = new FeatureSchema();
        foreach (var n in names) schema = schema.Numeric(n);
        var specs = Enumerable.Range(0, tasks).Select(t => TaskSpec.Regression($"t{t}", names)).ToArray();
        var data = MultiTaskDataset.FromArrays(schema, specs, x, names,
            Enumerable.Range(0, tasks).ToDictionary(t => $"t{t}", t => labels[t]));
        return FeatureEncoder.Fit(data).Transform(data);
    }
}
