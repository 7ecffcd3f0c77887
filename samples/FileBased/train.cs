#:package MultiTask@0.1.0
// Compile hot loops fully optimised at once: the first training run of the process takes about half as long.
#:property TieredCompilation=false

// Houses and condos from Sacramento sales as two price tasks of one model: 866 houses teach the
// 53 condos. Run: dotnet run train.cs [path/to/sacramento.csv]
using MultiTask.Data;
using MultiTask.Recipes;
using MultiTask.Tasks;

string csv = args.Length > 0 ? args[0]
    : Path.Combine((string)AppContext.GetData("EntryPointFileDirectoryPath")!, "..", "HousingPrices", "data", "sacramento.csv");
string[] features = ["sqft", "beds", "baths", "latitude", "longitude"];
var schema = features.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f));

// One price column, two tasks: the type column says whose label a row's price is; the other
// task's label is missing for that row, and the trainer masks it. Both predict a price, so they
// learn log prices on one shared scale (results are still in dollars).
TaskSpec Price(string name) => TaskSpec.Regression(name, features, target: "price") with { TargetTransform = TargetTransform.Log, TargetGroup = "price" };
var data = MultiTaskDataset.FromCsv(csv, schema, [Price("house"), Price("condo")],
    new CsvOptions { TaskColumn = "type", TaskValues = new Dictionary<string, string> { ["Residential"] = "house", ["Condo"] = "condo" } });
var (train, _, test) = data.Split(seed: 1, validation: 0, test: 0.2);

// The recommended recipe: a ridge-regression start, one network shared by both tasks with a head
// each, early stopping on held-out training rows, an ensemble of five (docs/recipes.md).
var model = TabularRecipe.Fit(train, new TabularRecipeOptions { Seed = 1 });
var result = model.Evaluate(test);

// Did it learn? Compare with predicting each task's mean training price.
bool learned = true;
foreach (var task in new[] { "house", "condo" })
{
    double mean = train.TargetValues(task).Where(double.IsFinite).Average();
    double baseline = Math.Sqrt(test.TargetValues(task).Where(double.IsFinite).Average(y => (y - mean) * (y - mean)));
    double rmse = result[task]["rmse"];
    Console.WriteLine($"{task,-5}  {data.LabelCount(task),3} sales  test RMSE {rmse,9:N0} dollars  (predicting the mean: {baseline:N0})");
    learned &= rmse < baseline;
}
return learned ? 0 : 1;
