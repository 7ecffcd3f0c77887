using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

/// <summary>
/// The seed example: houses priced from size, bedrooms and bathrooms; apartments priced from size,
/// bedrooms and location (downtown / suburb / rural). Two tables with different columns, and few
/// apartments. Both follow the same price-per-square-foot logic, which a shared backbone can exploit.
/// </summary>
internal static class SeedExample
{
    public static FeatureSchema Schema { get; } = new FeatureSchema()
        .Numeric("size_sqft").Numeric("bedrooms").Numeric("bathrooms")
        .Categorical("location", "downtown", "suburb", "rural");

    public static TaskSpec[] Tasks { get; } =
    [
        TaskSpec.Regression("house", features: ["size_sqft", "bedrooms", "bathrooms"], target: "price"),
        TaskSpec.Regression("apartment", features: ["size_sqft", "bedrooms", "location"], target: "price"),
    ];

    public static MultiTaskDataset Generate(Generator rng, int houses, int apartments) => MultiTaskDataset.Concat(
        MultiTaskDataset.FromTable(Schema, Tasks, Houses(rng, houses), new TableOptions { Labels = ["house"] }),
        MultiTaskDataset.FromTable(Schema, Tasks, Apartments(rng, apartments), new TableOptions { Labels = ["apartment"] }));

    private static Table Houses(Generator rng, int n)
    {
        var size = new double[n];
        var bedrooms = new int[n];
        var bathrooms = new int[n];
        var price = new double[n];
        for (int i = 0; i < n; i++)
        {
            size[i] = 900 + 2600 * rng.NextDouble();
            bedrooms[i] = Math.Clamp((int)Math.Round(size[i] / 700 + rng.NextNormal() * 0.6), 1, 6);
            bathrooms[i] = Math.Clamp((int)Math.Round(bedrooms[i] * 0.6 + rng.NextNormal() * 0.5), 1, 4);
            price[i] = 40_000 + 140 * size[i] + 8_000 * bedrooms[i] + 12_000 * bathrooms[i] + 25_000 * rng.NextNormal();
        }
        return new Table("houses").Add("size_sqft", size).Add("bedrooms", bedrooms).Add("bathrooms", bathrooms).Add("price", price);
    }

    private static Table Apartments(Generator rng, int n)
    {
        string[] locations = ["downtown", "suburb", "rural"];
        double[] premium = [70_000, 25_000, 0];
        var size = new double[n];
        var bedrooms = new int[n];
        var location = new string?[n];
        var price = new double[n];
        for (int i = 0; i < n; i++)
        {
            size[i] = 450 + 1150 * rng.NextDouble();
            bedrooms[i] = Math.Clamp((int)Math.Round(size[i] / 550 + rng.NextNormal() * 0.5), 0, 3);
            int l = (int)rng.NextInt64(0, 3);
            location[i] = locations[l];
            price[i] = 25_000 + 155 * size[i] + 6_000 * bedrooms[i] + premium[l] + 20_000 * rng.NextNormal();
        }
        return new Table("apartments").Add("size_sqft", size).Add("bedrooms", bedrooms).Add("location", location).Add("price", price);
    }
}
