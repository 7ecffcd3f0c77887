using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Onnx.Tests;

/// <summary>
/// Small generated tables for export tests: numeric x1 and x2, a one-hot "kind", optionally an
/// embedding-encoded "shop"; tasks of every kind whose user units differ from the raw outputs: price
/// (standardised), rent (log), demand (Yeo-Johnson), buy (binary) and type (three classes).
/// </summary>
internal static class ExportFixture
{
    public static readonly string[] Shops = ["s0", "s1", "s2", "s3", "s4", "s5"];

    /// <summary>The tasks of output size 1 (for residual heads and the shared wide path).</summary>
    public static readonly string[] ScalarTasks = ["price", "rent", "demand", "buy"];

    public static (FeatureEncoder Encoder, EncodedData Data) Encoded(bool embedding, int rows = 160, ulong seed = 1)
    {
        var g = new Generator(seed);
        var x1 = new double[rows];
        var x2 = new double[rows];
        var shop = new string?[rows];
        var kind = new string?[rows];
        var price = new double[rows];
        var rent = new double[rows];
        var demand = new double[rows];
        var buy = new double[rows];
        var type = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            x1[i] = g.NextNormal();
            x2[i] = 3 + 2 * g.NextNormal();
            int s = (int)g.NextInt64(0, Shops.Length);
            shop[i] = Shops[s];
            kind[i] = g.NextDouble() < 0.5 ? "a" : "b";
            price[i] = 200 + 30 * (Math.Sin(2 * x1[i]) + 0.25 * x2[i] + 0.3 * s + (kind[i] == "a" ? 0.5 : 0) + 0.1 * g.NextNormal());
            rent[i] = 1000 * Math.Exp(0.4 * x1[i] + 0.1 * s + 0.1 * g.NextNormal());
            demand[i] = Math.Exp(0.8 * x1[i]) - 1.5 + 0.2 * g.NextNormal();
            buy[i] = x1[i] + 0.5 * (x2[i] - 3) + 0.5 * g.NextNormal() > 0 ? 1 : 0;
            type[i] = (s + (x1[i] > 0 ? 1 : 0)) % 3;
        }
        string[] features = embedding ? ["x1", "shop", "x2", "kind"] : ["x1", "x2", "kind"];
        var schema = new FeatureSchema().Numeric("x1");
        if (embedding) schema = schema.Categorical("shop", CategoricalEncoding.Embedding, Shops);
        schema = schema.Numeric("x2").Categorical("kind", "a", "b");
        TaskSpec[] tasks =
        [
            TaskSpec.Regression("price", features),
            TaskSpec.Regression("rent", features) with { TargetTransform = TargetTransform.Log },
            TaskSpec.Regression("demand", features) with { TargetTransform = TargetTransform.YeoJohnson },
            TaskSpec.Binary("buy", features),
            TaskSpec.Multiclass("type", 3, features),
        ];
        var table = new Table().Add("x1", x1).Add("x2", x2).Add("kind", kind)
            .Add("price", price).Add("rent", rent).Add("demand", demand).Add("buy", buy).Add("type", type);
        if (embedding) table.Add("shop", shop);
        var data = MultiTaskDataset.FromTable(schema, tasks, table);
        var encoder = FeatureEncoder.Fit(data);
        return (encoder, encoder.Transform(data));
    }

    /// <summary>Rows of embedding-encoded categoricals only, so that every encoded column is a whole-number index.</summary>
    public static (FeatureEncoder Encoder, EncodedData Data) Categorical(int rows = 160, ulong seed = 2)
    {
        var g = new Generator(seed);
        string[] colours = ["red", "green", "blue", "grey", "black"];
        string[] sizes = ["xs", "s", "m", "l", "xl", "xxl", "xxxl"];
        var colour = new string?[rows];
        var size = new string?[rows];
        var y = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            int c = (int)g.NextInt64(0, colours.Length), s = (int)g.NextInt64(0, sizes.Length);
            colour[i] = colours[c];
            size[i] = sizes[s];
            y[i] = 10 + c - 0.5 * s + 0.1 * g.NextNormal();
        }
        var schema = new FeatureSchema()
            .Categorical("colour", CategoricalEncoding.Embedding, colours)
            .Categorical("size", CategoricalEncoding.Embedding, sizes);
        var data = MultiTaskDataset.FromTable(schema, [TaskSpec.Regression("y", ["colour", "size"])],
            new Table().Add("colour", colour).Add("size", size).Add("y", y));
        var encoder = FeatureEncoder.Fit(data);
        return (encoder, encoder.Transform(data));
    }
}
