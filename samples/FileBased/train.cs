#:package MultiTask@0.1.0

// Houses and condos from Sacramento sales as two price tasks of one model: 866 houses teach the
// 53 condos. Run: dotnet run train.cs [path/to/sacramento.csv]
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;

string csv = args.Length > 0 ? args[0]
    : Path.Combine((string)AppContext.GetData("EntryPointFileDirectoryPath")!, "..", "HousingPrices", "data", "sacramento.csv");
string[] features = ["sqft", "beds", "baths", "latitude", "longitude"];
var schema = features.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f));

// One price column, two tasks: the type column says whose label a row's price is; the other
// task's label is missing for that row, and the trainer masks it.
var data = MultiTaskDataset.FromCsv(csv, schema,
    [TaskSpec.Regression("house", features, target: "price"), TaskSpec.Regression("condo", features, target: "price")],
    new CsvOptions { TaskColumn = "type", TaskValues = new Dictionary<string, string> { ["Residential"] = "house", ["Condo"] = "condo" } });
var (train, validation, test) = data.Split(seed: 1, validation: 0.15, test: 0.2);
var encoder = FeatureEncoder.Fit(train);

// Soft sharing: a network per task, pulled towards each other (heads too) with strength 0.1.
var model = MultiTaskModel.SoftSharing(encoder, [32, 32], head: [16], strength: 0.1, penalizeHeads: true, generator: new Generator(1));
var trainer = new MultiTaskTrainer(model, new TrainerOptions
{
    Epochs = 60, BatchSize = 32, Seed = 1,
    Optimizer = new AdamOptions { LearningRate = 3e-3, WeightDecay = 1e-4 },
    Callbacks = [new EarlyStopping("val_loss", patience: 15)],
});
trainer.Fit(encoder.Transform(train), encoder.Transform(validation));
var result = trainer.Evaluate(encoder.Transform(test));

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
