using MultiTask.Engine.Tensors;

/// <summary>
/// The seed example: houses priced from size, bedrooms and bathrooms; apartments priced from size,
/// bedrooms and location (downtown / suburb / rural). Both follow the same price-per-square-foot
/// logic, which is what a shared backbone can exploit for the small apartment task.
/// </summary>
internal static class SyntheticHousing
{
    public const int House = 0;
    public const int Apartment = 1;

    /// <summary>size, bedrooms, bathrooms, downtown, suburb, rural, has-bathrooms, has-location.</summary>
    public const int FeatureCount = 8;

    public static HousingData Generate(Generator rng, int houses, int apartments)
    {
        var rows = new List<HousingRow>();
        for (int i = 0; i < houses; i++)
        {
            double size = 900 + 2600 * rng.NextDouble();
            int bedrooms = Math.Clamp((int)Math.Round(size / 700 + rng.NextNormal() * 0.6), 1, 6);
            int bathrooms = Math.Clamp((int)Math.Round(bedrooms * 0.6 + rng.NextNormal() * 0.5), 1, 4);
            double price = 40_000 + 140 * size + 8_000 * bedrooms + 12_000 * bathrooms + 25_000 * rng.NextNormal();
            rows.Add(new HousingRow(House, size, bedrooms, bathrooms, Location: null, price));
        }
        for (int i = 0; i < apartments; i++)
        {
            double size = 450 + 1150 * rng.NextDouble();
            int bedrooms = Math.Clamp((int)Math.Round(size / 550 + rng.NextNormal() * 0.5), 0, 3);
            int location = (int)rng.NextInt64(0, 3);
            double premium = location switch { 0 => 70_000, 1 => 25_000, _ => 0 };
            double price = 25_000 + 155 * size + 6_000 * bedrooms + premium + 20_000 * rng.NextNormal();
            rows.Add(new HousingRow(Apartment, size, bedrooms, Bathrooms: null, location, price));
        }
        return new HousingData(rows);
    }
}

internal sealed record HousingRow(int Task, double Size, int Bedrooms, int? Bathrooms, int? Location, double Price);

internal sealed class HousingData(IReadOnlyList<HousingRow> rows)
{
    public IReadOnlyList<HousingRow> RowList { get; } = rows;
    public int Rows => RowList.Count;
    public int[] Task => RowList.Select(r => r.Task).ToArray();
    public double[] Price => RowList.Select(r => r.Price).ToArray();
    public int Count(int task) => RowList.Count(r => r.Task == task);

    /// <summary>A seeded split that keeps each task's share in both parts.</summary>
    public (HousingData Train, HousingData Test) Split(Generator rng, double testFraction)
    {
        var train = new List<HousingRow>();
        var test = new List<HousingRow>();
        foreach (var group in RowList.GroupBy(r => r.Task))
        {
            var shuffled = group.ToArray();
            for (int i = shuffled.Length - 1; i > 0; i--)
            {
                int j = (int)rng.NextInt64(0, i + 1);
                (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
            }
            int nTest = (int)Math.Round(shuffled.Length * testFraction);
            test.AddRange(shuffled[..nTest]);
            train.AddRange(shuffled[nTest..]);
        }
        return (new HousingData(train), new HousingData(test));
    }
}

/// <summary>
/// Encodes the union of both tasks' features: numeric columns standardised with training statistics
/// (absent values become 0, the training mean), one-hot location, and presence flags so the network
/// can tell "no bathrooms column" from "average bathrooms". Targets are standardised per task.
/// </summary>
internal sealed class FeatureScaler
{
    private readonly double[] _mean = new double[3];
    private readonly double[] _std = new double[3];
    private readonly double[] _targetMean = new double[2];
    private readonly double[] _targetStd = new double[2];

    public static FeatureScaler Fit(HousingData train)
    {
        var s = new FeatureScaler();
        Fit(train.RowList.Select(r => r.Size), out s._mean[0], out s._std[0]);
        Fit(train.RowList.Select(r => (double)r.Bedrooms), out s._mean[1], out s._std[1]);
        Fit(train.RowList.Where(r => r.Bathrooms is not null).Select(r => (double)r.Bathrooms!.Value), out s._mean[2], out s._std[2]);
        for (int task = 0; task < 2; task++)
            Fit(train.RowList.Where(r => r.Task == task).Select(r => r.Price), out s._targetMean[task], out s._targetStd[task]);
        return s;
    }

    public Tensor Transform(HousingData data)
    {
        var x = new float[data.Rows * SyntheticHousing.FeatureCount];
        for (int i = 0; i < data.Rows; i++)
        {
            var r = data.RowList[i];
            var row = x.AsSpan(i * SyntheticHousing.FeatureCount, SyntheticHousing.FeatureCount);
            row[0] = (float)((r.Size - _mean[0]) / _std[0]);
            row[1] = (float)((r.Bedrooms - _mean[1]) / _std[1]);
            if (r.Bathrooms is int baths) { row[2] = (float)((baths - _mean[2]) / _std[2]); row[6] = 1; }
            if (r.Location is int loc) { row[3 + loc] = 1; row[7] = 1; }
        }
        return Tensor.FromArray(x, data.Rows, SyntheticHousing.FeatureCount);
    }

    /// <summary>Per task: standardised prices (0 where the row belongs to the other task) and a 0/1 label mask.</summary>
    public (Tensor Values, Tensor Mask)[] Targets(HousingData data)
    {
        var result = new (Tensor, Tensor)[2];
        for (int task = 0; task < 2; task++)
        {
            var y = new float[data.Rows];
            var m = new float[data.Rows];
            for (int i = 0; i < data.Rows; i++)
            {
                if (data.RowList[i].Task != task) continue;
                y[i] = (float)((data.RowList[i].Price - _targetMean[task]) / _targetStd[task]);
                m[i] = 1;
            }
            result[task] = (Tensor.FromArray(y, data.Rows, 1), Tensor.FromArray(m, data.Rows, 1));
        }
        return result;
    }

    public Tensor InverseTarget(int task, Tensor standardized) => standardized * (float)_targetStd[task] + (float)_targetMean[task];

    private static void Fit(IEnumerable<double> values, out double mean, out double std)
    {
        var v = values.ToArray();
        mean = v.Average();
        double m = mean;
        std = Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / v.Length);
        if (std == 0) std = 1;
    }
}
