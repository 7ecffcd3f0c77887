using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Tests.Transfer;

/// <summary>
/// Synthetic tasks over three features: a = 2·x1 − x2 and b = x1 + 0.5·x3 (the source tasks), c = x1 − x3 and
/// d = x2 (a new task reading x1 and x2 only); with noise σ = 0.1.
/// </summary>
internal static class TransferData
{
    public static readonly string[] Features = ["x1", "x2", "x3"];

    public static FeatureSchema Schema() => new FeatureSchema().Numeric("x1").Numeric("x2").Numeric("x3");

    public static TaskSpec Task(string name) => name == "d" ? TaskSpec.Regression("d", ["x1", "x2"]) : TaskSpec.Regression(name, Features);

    /// <summary><paramref name="rows"/> rows over the named tasks, each row labelled for every task in <paramref name="labels"/>.</summary>
    public static MultiTaskDataset Dataset(string[] tasks, string[] labels, int rows, ulong seed, double offset = 0)
    {
        var g = new Generator(seed);
        var x = new double[rows][];
        var y = labels.ToDictionary(t => t, _ => new double[rows]);
        for (int i = 0; i < rows; i++)
        {
            x[i] = [g.NextNormal(), g.NextNormal(), g.NextNormal()];
            foreach (var t in labels)
            {
                y[t][i] = offset + 0.1 * g.NextNormal() + t switch
                {
                    "a" => 2 * x[i][0] - x[i][1],
                    "b" => x[i][0] + 0.5 * x[i][2],
                    "c" => x[i][0] - x[i][2],
                    _ => x[i][1],
                };
            }
        }
        return MultiTaskDataset.FromArrays(Schema(), [.. tasks.Select(Task)], x, Features, y, new TableOptions { Labels = labels });
    }

    /// <summary>A source model on tasks a and b, and its encoder.</summary>
    public static (HardSharingModel Model, FeatureEncoder Encoder, MultiTaskDataset Train) Source(ulong seed = 1, HardSharingOptions? options = null)
    {
        var train = Dataset(["a", "b"], ["a", "b"], 80, seed);
        var encoder = FeatureEncoder.Fit(train);
        var model = MultiTaskModel.HardSharing(encoder, options ?? new HardSharingOptions { Backbone = [8] }, new Generator(seed));
        return (model, encoder, train);
    }

    public static Dictionary<string, float[]> Snapshot(Module model) => model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ToArray());
}
