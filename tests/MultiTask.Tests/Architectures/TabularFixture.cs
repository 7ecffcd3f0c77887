using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Tests.Architectures;

/// <summary>
/// A small mixed table: numeric x1 and x2, an embedding-encoded "shop", a one-hot "kind"; two regression
/// tasks (price, rent) and optionally a three-class task (type).
/// </summary>
internal static class TabularFixture
{
    public static readonly string[] Shops = ["s0", "s1", "s2", "s3", "s4", "s5"];

    public static MultiTaskDataset Dataset(int rows = 200, bool withMulticlass = false, ulong seed = 1)
    {
        var g = new Generator(seed);
        var x1 = new double[rows];
        var x2 = new double[rows];
        var shop = new string?[rows];
        var kind = new string?[rows];
        var price = new double[rows];
        var rent = new double[rows];
        var type = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            x1[i] = g.NextNormal();
            x2[i] = g.NextNormal();
            int s = (int)g.NextInt64(0, Shops.Length);
            shop[i] = Shops[s];
            kind[i] = g.NextDouble() < 0.5 ? "a" : "b";
            price[i] = Math.Sin(2 * x1[i]) + 0.5 * x2[i] + 0.3 * s + (kind[i] == "a" ? 0.5 : 0) + 0.1 * g.NextNormal();
            rent[i] = 0.8 * price[i] - 0.4 * x2[i] + 0.1 * g.NextNormal();
            type[i] = s % 3;
        }
        string[] features = ["x1", "shop", "x2", "kind"];
        var schema = new FeatureSchema().Numeric("x1").Categorical("shop", CategoricalEncoding.Embedding, Shops).Numeric("x2").Categorical("kind", "a", "b");
        var tasks = new List<TaskSpec> { TaskSpec.Regression("price", features), TaskSpec.Regression("rent", features) };
        var table = new Table().Add("x1", x1).Add("shop", shop).Add("x2", x2).Add("kind", kind).Add("price", price).Add("rent", rent);
        if (withMulticlass)
        {
            tasks.Add(TaskSpec.Multiclass("type", 3, features));
            table.Add("type", type);
        }
        return MultiTaskDataset.FromTable(schema, tasks, table);
    }

    public static FeatureEncoder Encoder(bool withMulticlass = false) => FeatureEncoder.Fit(Dataset(withMulticlass: withMulticlass));

    public static (FeatureEncoder Encoder, EncodedData Data) Encoded(int rows = 200)
    {
        var data = Dataset(rows);
        var encoder = FeatureEncoder.Fit(data);
        return (encoder, encoder.Transform(data));
    }
}
