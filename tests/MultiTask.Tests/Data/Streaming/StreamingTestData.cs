using System.Globalization;
using System.Text;
using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Tests.Data.Streaming;

/// <summary>A synthetic two-task table written as CSV: an id, numeric features with several encodings, a categorical feature, missing values and labels.</summary>
internal static class StreamingTestData
{
    public static readonly string[] Cities = ["north", "south", "east"];

    public static FeatureSchema Schema(bool quantileEncodings = true) => quantileEncodings
        ? new FeatureSchema()
            .Numeric("id")
            .Numeric("size", new NumericOptions { Log = true })
            .Numeric("age", NumericEncoding.Robust)
            .Numeric("income", NumericEncoding.Quantile)
            .Numeric("dist", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 8 })
            .Categorical("city", Cities)
        : new FeatureSchema().Numeric("id").Numeric("size").Numeric("age").Categorical("city", Cities);

    public static TaskSpec[] Tasks(bool quantileEncodings = true)
    {
        string[] features = quantileEncodings ? ["id", "size", "age", "income", "dist", "city"] : ["id", "size", "age", "city"];
        return
        [
            TaskSpec.Regression("price", features) with { TargetTransform = TargetTransform.Log },
            TaskSpec.Binary("sold", features),
        ];
    }

    /// <summary>Writes <paramref name="rows"/> rows; roughly 5% of cells are missing, including labels, and a few rows have no label at all.</summary>
    public static void Write(string path, int rows, int seed, bool quantileEncodings = true, int fillerLength = 0)
    {
        var random = new Random(seed);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        string filler = new('x', fillerLength);
        writer.Write(quantileEncodings ? "id,size,age,income,dist,city,price,sold" : "id,size,age,city,price,sold");
        writer.Write(fillerLength > 0 ? ",note\n" : "\n");
        var sb = new StringBuilder();
        for (int r = 0; r < rows; r++)
        {
            sb.Clear();
            string Cell(double v, double missing = 0.05) => random.NextDouble() < missing ? "" : v.ToString("R", CultureInfo.InvariantCulture);
            sb.Append(r.ToString(CultureInfo.InvariantCulture)).Append(',');
            double size = Math.Exp(random.NextDouble() * 3 + 3);
            sb.Append(Cell(Math.Round(size, 2))).Append(',');
            sb.Append(Cell(Math.Round(random.NextDouble() * 80, 1))).Append(',');
            if (quantileEncodings)
            {
                sb.Append(Cell(Math.Round(Math.Exp(random.NextDouble() * 2) * 1000, 0))).Append(',');
                sb.Append(Cell(Math.Round(-Math.Log(1 - random.NextDouble()) * 10, 3))).Append(',');
            }
            double c = random.NextDouble();
            sb.Append(c < 0.04 ? "" : c < 0.06 ? "west" : Cities[random.Next(3)]).Append(',');
            bool unlabelled = random.NextDouble() < 0.02;
            sb.Append(unlabelled ? "" : Cell(Math.Round(size * 1000 + random.NextDouble() * 500, 2), 0.1)).Append(',');
            sb.Append(unlabelled ? "" : Cell(random.Next(2), 0.1));
            if (fillerLength > 0) sb.Append(',').Append(filler);
            writer.Write(sb.Append('\n'));
        }
    }

    /// <summary>The raw id of each row of a batch, read back from its standardised id column.</summary>
    public static long[] Ids(Batch batch, FeatureEncoder encoder)
    {
        var stats = encoder.FeatureStatistics("id");
        int column = encoder.Block("id").Start, width = encoder.Width;
        var x = batch.Inputs.ToArray();
        return Enumerable.Range(0, batch.Size).Select(i => (long)Math.Round(stats.Invert(x[i * width + column]))).ToArray();
    }
}
