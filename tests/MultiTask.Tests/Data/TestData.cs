using System.Runtime.CompilerServices;
using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Tests.Data;

internal static class TestData
{
    public static string SacramentoPath => Path.Combine(Folder(), "sacramento.csv");

    public static readonly string[] HouseFeatures = ["beds", "baths", "sqft", "latitude", "longitude", "city"];
    public static readonly string[] CondoFeatures = ["beds", "baths", "sqft"];

    public static FeatureSchema SacramentoSchema() => new FeatureSchema()
        .Numeric("beds").Numeric("baths").Numeric("sqft").Numeric("latitude").Numeric("longitude")
        .Categorical("city", "SACRAMENTO", "ELK_GROVE", "ROSEVILLE");

    public static TaskSpec[] SacramentoTasks() =>
    [
        TaskSpec.Regression("house", HouseFeatures, target: "price"),
        TaskSpec.Regression("condo", CondoFeatures, target: "price"),
    ];

    public static CsvOptions ByType => new()
    {
        TaskColumn = "type",
        TaskValues = new Dictionary<string, string> { ["Residential"] = "house", ["Condo"] = "condo" },
    };

    public static MultiTaskDataset Sacramento() =>
        MultiTaskDataset.FromCsv(SacramentoPath, SacramentoSchema(), SacramentoTasks(), ByType);

    public static FeatureSchema HousingSchema() => new FeatureSchema()
        .Numeric("size_sqft").Numeric("bedrooms").Numeric("bathrooms")
        .Categorical("location", "downtown", "suburb", "rural");

    public static TaskSpec[] HousingTasks() =>
    [
        TaskSpec.Regression("house", ["size_sqft", "bedrooms", "bathrooms"]),
        TaskSpec.Regression("apartment", ["size_sqft", "bedrooms", "location"]),
    ];

    public static Table Houses() => new Table("houses")
        .Add("size_sqft", [1400.0, 2100.0, 1750.0, 2600.0])
        .Add("bedrooms", [3.0, 4.0, 3.0, 5.0])
        .Add("bathrooms", [2.0, 3.0, 2.0, 3.0])
        .Add("house", [250e3, 410e3, 300e3, 520e3]);

    public static Table Apartments() => new Table("apartments")
        .Add("size_sqft", [650.0, 900.0, 720.0])
        .Add("bedrooms", [1.0, 2.0, 1.0])
        .Add("location", ["downtown", "suburb", "rural"])
        .Add("apartment", [310e3, 280e3, 150e3]);

    public static MultiTaskDataset Housing() => MultiTaskDataset.Concat(
        MultiTaskDataset.FromTable(HousingSchema(), HousingTasks(), Houses(), new TableOptions { Labels = ["house"] }),
        MultiTaskDataset.FromTable(HousingSchema(), HousingTasks(), Apartments(), new TableOptions { Labels = ["apartment"] }));

    private static string Folder([CallerFilePath] string path = "")
    {
        string here = Path.GetDirectoryName(path)!;
        if (File.Exists(Path.Combine(here, "sacramento.csv"))) return here;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "MultiTask.Tests", "Data");
            if (File.Exists(Path.Combine(candidate, "sacramento.csv"))) return candidate;
        }
        throw new FileNotFoundException("tests/MultiTask.Tests/Data/sacramento.csv was not found.");
    }
}
