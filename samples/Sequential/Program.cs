using System.Diagnostics;
using System.Globalization;
using MultiTask.Continual;

// Continual and transfer learning on real data (docs/transfer-and-continual.md):
//   part 1, tasks learned one after another on one backbone: naive, EWC, replay, and joint training as the upper bound;
//   part 2, a saved model given new tasks with few rows: transfer (heads only, two-stage) against training from scratch.
//   dotnet run --project samples/Sequential -c Release [-- --seeds 3] [--quick]
// --quick (CI) runs one seed with a fraction of the epochs: it checks the pipeline, not the numbers.
bool quick = args.Contains("--quick");
int seeds = Number("--seeds", quick ? 1 : 3);
string folder = Path.Combine(AppContext.BaseDirectory, "data");
string outputDir = Path.Combine(Environment.CurrentDirectory, "sequential-output");
Directory.CreateDirectory(outputDir);
var clock = Stopwatch.StartNew();
var meats = TaskData.Meats(folder);
var ames = TaskData.Ames(folder);
int Epochs(int full) => quick ? Math.Max(2, full / 10) : full;

// Part 1. EWC's λ and the buffer's capacity are one setting for both cases (chosen by hand, not tuned per case).
const double Lambda = 1e4;
const int Capacity = 100;
var sequential = new List<ContinualRun>();
foreach (var (data, order, epochs, batch) in new[]
{
    (meats, new[] { "water", "fat", "protein" }, Epochs(100), 16),
    (ames, new[] { "OneFam", "TwnhsE", "Duplex", "Twnhs", "TwoFmCon" }, Epochs(30), 32),
})
{
    var runs = ContinualDemo.Run(data, order, seeds, new ContinualSettings([64, 64], epochs, batch, LearningRate: 3e-3, Lambda, Capacity));
    sequential.AddRange(runs);
    Report.Sequential(data.Name, order, runs, epochs, batch, Lambda, Capacity);
    Charts.Forgetting(Path.Combine(outputDir, $"forgetting-{data.Name}"), data.Name, order, runs);
}
Report.SequentialCsv(Path.Combine(outputDir, "sequential.csv"), sequential);

// Part 2.
var transferSettings = new TransferSettings([64, 64], PretrainEpochs: Epochs(30), Epochs: Epochs(100), FrozenEpochs: Epochs(20), NewRows: 20, LearningRate: 3e-3);
var transfer = new List<TransferCurve>();
foreach (var (data, source, target) in new[]
{
    (meats, new[] { "water", "fat" }, new[] { "protein" }),
    (ames, new[] { "OneFam", "TwnhsE" }, new[] { "Duplex", "TwoFmCon" }),
})
{
    var curves = TransferDemo.Run(data, source, target, seeds, transferSettings, outputDir);
    transfer.AddRange(curves.Select(c => c with { Case = data.Name }));
    Report.Transfer(data.Name, source, target, curves, transferSettings);
    Charts.Transfer(Path.Combine(outputDir, $"transfer-{data.Name}"), data.Name, target, curves);
}
Report.TransferCsv(Path.Combine(outputDir, "transfer.csv"), transfer);
Console.WriteLine($"Charts and CSV files in {outputDir}; total {clock.Elapsed.TotalSeconds:F0} s.");

string Text(string option, string fallback)
{
    int i = Array.IndexOf(args, option);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

int Number(string option, int fallback) => int.TryParse(Text(option, ""), out int v) ? v : fallback;
