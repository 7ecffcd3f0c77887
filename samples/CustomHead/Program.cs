// Sale prices with uncertainty on the Ames housing data: a user-written Gaussian head (mean and
// log-variance of ln(price)) trained with a Gaussian negative log-likelihood as a custom task, next to
// an ordinary building-type classification task that shares the backbone.
using System.Diagnostics;
using System.Globalization;
using CustomHead;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;

var clock = Stopwatch.StartNew();
var inv = CultureInfo.InvariantCulture;

// ln(price) is centred by a fixed 12 (about ln 163,000 dollars): custom targets are read as-is.
const double LogOffset = 12.0;
string[] numeric = ["Gr_Liv_Area", "Year_Built", "Total_Bsmt_SF", "Garage_Cars", "Full_Bath", "Bedroom_AbvGr", "Lot_Area"];
string[] buildingTypes = ["OneFam", "TwnhsE", "Duplex", "Twnhs", "TwoFmCon"];

var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "data", "ames.csv"));
var header = lines[0].Split(',');
var cells = lines.Skip(1).Select(l => l.Split(',')).ToArray();
int Column(string name) => Array.IndexOf(header, name);
double[] Numbers(string name) => cells.Select(c => double.Parse(c[Column(name)], inv)).ToArray();

var table = new Table("ames");
foreach (var name in numeric) table.Add(name, Numbers(name));
table.Add("Neighborhood", cells.Select(c => (string?)c[Column("Neighborhood")]).ToArray())
    .Add("Bldg_Type", cells.Select(c => (string?)c[Column("Bldg_Type")]).ToArray())
    .Add("log_price", Numbers("Sale_Price").Select(p => Math.Log(p) - LogOffset).ToArray());

var neighborhoods = cells.Select(c => c[Column("Neighborhood")]).Distinct().Order(StringComparer.Ordinal).ToArray();
var schema = numeric.Aggregate(new FeatureSchema(), (s, name) => s.Numeric(name)).Categorical("Neighborhood", neighborhoods);
string[] features = [.. numeric, "Neighborhood"];
TaskSpec[] tasks =
[
    TaskSpec.Custom("price", features, targetWidth: 1, targets: ["log_price"], outputSize: 2) with { Loss = new MeanLogVarianceNll() },
    TaskSpec.Multiclass("building", buildingTypes, features, target: "Bldg_Type"),
];

var data = MultiTaskDataset.FromTable(schema, tasks, table);
var (trainSet, validationSet, testSet) = data.Split(seed: 2024, validation: 0.15, test: 0.15);
var encoder = FeatureEncoder.Fit(trainSet);
EncodedData train = encoder.Transform(trainSet), validation = encoder.Transform(validationSet), test = encoder.Transform(testSet);
Console.WriteLine($"Ames: {data.RowCount} sales; train {train.RowCount}, validation {validation.RowCount}, test {test.RowCount}; {encoder.Width} input columns");

var generator = new Generator(7);
var model = MultiTaskModel.HardSharing(encoder, backbone: [64, 32], head: [16], generator: generator,
    customHeads: new Dictionary<string, Module<Tensor, Tensor>> { ["price"] = new GaussianHead(32, 16, generator) });
var trainer = new MultiTaskTrainer(model, new TrainerOptions
{
    Epochs = 80,
    BatchSize = 64,
    Seed = 2024,
    Optimizer = new AdamOptions { LearningRate = 2e-3, WeightDecay = 1e-4 },
    Callbacks = [new EarlyStopping("val_loss.price", patience: 12)],
});
var report = trainer.Fit(train, validation);
Console.WriteLine($"trained {report.EpochsCompleted} epochs ({report.StopReason}); best val_loss.price {report.BestValue:F3} at epoch {report.BestEpoch}");

var evaluation = trainer.Evaluate(test);
Console.WriteLine();
Console.WriteLine("Test split, per task (price: Gaussian NLL of ln(price); building: default classification metrics):");
Console.Write(evaluation);

// Predict returns a custom task's raw outputs: mean and log-variance of ln(price) − 12.
var outputs = trainer.Predict(test)["price"];
var targets = test.Targets("price");
int n = test.RowCount, covered95 = 0, covered2 = 0;
double squared = 0, absolute = 0;
for (int i = 0; i < n; i++)
{
    double mean = outputs[i, 0], sigma = Math.Exp(0.5 * outputs[i, 1]), y = targets[i, 0];
    if (Math.Abs(y - mean) <= 1.959964 * sigma) covered95++;
    if (Math.Abs(y - mean) <= 2 * sigma) covered2++;
    double error = Math.Exp(mean + LogOffset) - Math.Exp(y + LogOffset);
    squared += error * error;
    absolute += Math.Abs(error);
}
Console.WriteLine($"price: RMSE {Math.Sqrt(squared / n):N0} dollars, MAE {absolute / n:N0} dollars (point prediction exp(mean), the median)");
Console.WriteLine();
Console.WriteLine("A few test sales, with the ±2σ interval of ln(price) mapped to dollars:");
for (int i = 0; i < 6; i++)
{
    double mean = outputs[i, 0], sigma = Math.Exp(0.5 * outputs[i, 1]);
    Console.WriteLine($"  sold for {Math.Exp(targets[i, 0] + LogOffset),9:N0}; predicted {Math.Exp(mean + LogOffset),9:N0}  " +
                      $"[{Math.Exp(mean - 2 * sigma + LogOffset),9:N0} … {Math.Exp(mean + 2 * sigma + LogOffset),9:N0}]  σ(ln price) = {sigma:F3}");
}
Console.WriteLine();
Console.WriteLine($"Empirical coverage on the {n} test sales: 95% interval (±1.96σ) {100.0 * covered95 / n:F1}%, ±2σ {100.0 * covered2 / n:F1}%");
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F1} s.");
