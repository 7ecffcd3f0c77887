using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Losses;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Tests.Saving;

/// <summary>
/// A table with every kind of input the encoder has (standardised, quantile and piecewise-linear numerics, a one-hot and
/// an embedding-encoded categorical, missing values) and every kind of task, plus the helpers the saving tests share:
/// the table as a CSV file, a bitwise comparison of predictions, and rewriting a model file's entries.
/// </summary>
internal static class SavingFixture
{
    public static readonly string[] Shops = ["s0", "s1", "s2", "s3", "s4"];
    public static readonly string[] Features = ["x1", "x2", "x3", "shop", "kind"];

    public static FeatureSchema Schema() => new FeatureSchema()
        .Numeric("x1")
        .Numeric("x2", new NumericOptions { Encoding = NumericEncoding.Quantile })
        .Numeric("x3", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 6, Log = true })
        .Categorical("shop", CategoricalEncoding.Embedding, Shops)
        .Categorical("kind", "a", "b");

    /// <summary>price (Yeo-Johnson) and rent (log) share a target group's scale; type, flag, tags and raw cover the other kinds.</summary>
    public static TaskSpec[] Tasks() =>
    [
        TaskSpec.Regression("price", Features) with { TargetTransform = TargetTransform.YeoJohnson },
        TaskSpec.Regression("rent", ["x1", "x2", "shop"]) with { TargetTransform = TargetTransform.Log },
        TaskSpec.Multiclass("type", ["low", "mid", "high"], Features),
        TaskSpec.Binary("flag", Features),
        TaskSpec.Multilabel("tags", Features, ["tag0", "tag1"]),
        TaskSpec.Custom("raw", Features, targetWidth: 1) with { Loss = new MseLoss() },
    ];

    public static Table RawTable(int rows, ulong seed)
    {
        var g = new Generator(seed);
        var x1 = new double[rows];
        var x2 = new double[rows];
        var x3 = new double[rows];
        var shop = new string?[rows];
        var kind = new string?[rows];
        var price = new double[rows];
        var rent = new double[rows];
        var type = new string?[rows];
        var flag = new double[rows];
        var tag0 = new double[rows];
        var tag1 = new double[rows];
        var raw = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            x1[i] = g.NextNormal();
            x2[i] = Math.Exp(g.NextNormal());
            x3[i] = 10 * g.NextDouble();
            int s = (int)g.NextInt64(0, Shops.Length);
            shop[i] = i % 17 == 3 ? null : Shops[s];
            kind[i] = g.NextDouble() < 0.5 ? "a" : "b";
            if (i % 13 == 5) x2[i] = double.NaN;
            double y = Math.Sin(2 * x1[i]) + 0.3 * x2[i] + 0.1 * x3[i] + 0.2 * s + (kind[i] == "a" ? 0.5 : 0) + 0.1 * g.NextNormal();
            price[i] = i % 5 == 1 ? double.NaN : 100 + 20 * y;
            rent[i] = i % 5 == 2 ? double.NaN : Math.Exp(0.5 * y);
            type[i] = y < 0.5 ? "low" : y < 1.5 ? "mid" : "high";
            flag[i] = y > 1 ? 1 : 0;
            tag0[i] = x1[i] > 0 ? 1 : 0;
            tag1[i] = kind[i] == "a" ? 1 : 0;
            raw[i] = y - x1[i];
        }
        return new Table("rows").Add("x1", x1).Add("x2", x2).Add("x3", x3).Add("shop", shop).Add("kind", kind)
            .Add("price", price).Add("rent", rent).Add("type", type).Add("flag", flag).Add("tag0", tag0).Add("tag1", tag1).Add("raw", raw);
    }

    public static MultiTaskDataset Dataset(int rows = 160, ulong seed = 1) => MultiTaskDataset.FromTable(Schema(), Tasks(), RawTable(rows, seed));

    /// <summary>The feature columns of <paramref name="table"/> (no labels) as CSV text, numbers in round-trip form.</summary>
    public static void WriteCsv(Table table, string path, IReadOnlyList<string>? columns = null)
    {
        columns ??= Features;
        var lines = new List<string> { string.Join(",", columns) };
        var cells = columns.Select(c => table.TextColumn(c)).ToArray();
        for (int r = 0; r < table.RowCount; r++)
            lines.Add(string.Join(",", cells.Select(c => c[r] ?? "")));
        File.WriteAllLines(path, lines);
    }

    /// <summary>Requires the same tasks, shapes and float bits.</summary>
    public static void ShouldBeBitIdentical(TaskOutputs actual, TaskOutputs expected)
    {
        actual.TaskNames.Should().Equal(expected.TaskNames);
        foreach (var task in expected.TaskNames)
        {
            actual[task].Shape.Should().Equal(expected[task].Shape, $"task '{task}'");
            var a = actual[task].ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
            var e = expected[task].ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
            a.Should().Equal(e, $"task '{task}' must be predicted bit for bit");
        }
    }

    /// <summary>Reads every entry of a model file.</summary>
    public static Dictionary<string, byte[]> ReadEntries(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var s = e.Open();
            var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        });
    }

    /// <summary>
    /// Writes <paramref name="entries"/> as a model file; with <paramref name="fixManifest"/>, the manifest's entry list is
    /// recomputed (sizes and hashes) so that only the deliberate change remains.
    /// </summary>
    public static void WriteEntries(string path, Dictionary<string, byte[]> entries, bool fixManifest)
    {
        if (fixManifest)
        {
            var manifest = JsonNode.Parse(entries["manifest.json"])!.AsObject();
            manifest["entries"] = new JsonArray([.. entries.Where(e => e.Key != "manifest.json").Select(e => (JsonNode)new JsonObject
            {
                ["name"] = e.Key,
                ["size"] = e.Value.LongLength,
                ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(e.Value)),
            })]);
            entries["manifest.json"] = System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString());
        }
        File.Delete(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var s = zip.CreateEntry(name).Open();
            s.Write(bytes);
        }
    }

    public static string Text(TaskOutputs outputs) => string.Join("\n", outputs.Select(o =>
        $"{o.Key}: {string.Join(" ", o.Value.ToArray().Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture)))}"));
}
