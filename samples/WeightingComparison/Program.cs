using System.Diagnostics;
using System.Globalization;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Weighting;
using Spectre.Console;

// Every loss-weighting and gradient method of the library on real data (and on Ma et al.'s synthetic tasks of
// known relatedness, and the seed example's houses and apartments), on the same folds, seeds and network: what
// each buys over equal weighting.
//   dotnet run --project samples/WeightingComparison -c Release [-- --seeds 3 --folds 5 --epochs 60 --quick]
//   [--methods DB-MTL,MoCo] [--cases meats,sacramento]: a subset (equal weighting, the reference, always runs).

bool quick = args.Contains("--quick"); // CI: checks that every method runs, not the scores
int seeds = Option("--seeds", quick ? 1 : 3), folds = Option("--folds", quick ? 2 : 5), epochs = Option("--epochs", quick ? 2 : 60);
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 150;
string folder = Path.Combine(AppContext.BaseDirectory, "data");
string outputDir = Path.Combine(Environment.CurrentDirectory, "weighting-output");
Directory.CreateDirectory(outputDir);

(string Name, Func<LossWeighting> Create)[] methods =
[
    ("Equal", () => new EqualWeighting()), ("Uncertainty", () => new UncertaintyWeighting()), ("DWA", () => new DynamicWeightAverage()),
    ("GradNorm", () => new GradNorm()), ("GLS", () => new Gls()), ("RLW", () => new Rlw()), ("FAMO", () => new Famo()),
    ("STCH", () => new Stch()), ("DB-MTL", () => new DbMtl()), ("ExcessMTL", () => new ExcessMtl()), ("IMTL-L", () => new ImtlL()),
    ("PCGrad", () => new PCGrad()), ("MGDA", () => new Mgda()), ("CAGrad", () => new CAGrad()), ("IMTL-G", () => new ImtlG()),
    ("Nash-MTL", () => new NashMtl()), ("UPGrad", () => new UPGrad()), ("DualProj", () => new DualProj()), ("Aligned-MTL", () => new AlignedMtl()),
    ("GradVac", () => new GradVac()), ("GradDrop", () => new GradDrop()), ("ConFIG", () => new ConFig()), ("FairGrad", () => new FairGrad()),
    ("MoCo", () => new MoCo()),
];
if (Names("--methods") is { } only) methods = [.. methods.Where(m => m.Name == "Equal" || only.Contains(m.Name, StringComparer.OrdinalIgnoreCase))];

var cases = new (string Name, Func<MultiTaskDataset> Data)[]
{
    ("sacramento", Sacramento), ("meats", Meats), ("synthetic (p = 0.5)", () => MaSynthetic.Generate(0.5)),
    // The HousingPrices sample's part 1: 2,000 synthetic houses and 120 apartments with different columns (SeedExample.cs, linked).
    ("seed example", () => SeedExample.Generate(new Generator(7), houses: 2000, apartments: 120)),
};
if (Names("--cases") is { } chosen) cases = [.. cases.Where(c => chosen.Any(n => c.Name.StartsWith(n, StringComparison.OrdinalIgnoreCase)))];
var lines = new List<string> { "case,method,seed,fold,task,rmse,seconds" };
foreach (var (caseName, load) in cases)
{
    var data = load();
    string[] tasks = [.. data.Tasks.Select(t => t.Name)];
    AnsiConsole.Write(new Rule($"[bold]{caseName}[/]: {string.Join(", ", tasks.Select(t => $"{t} ({data.LabelCount(t)})"))}; {folds} folds x {seeds} seeds, {epochs} epochs").LeftJustified());
    // rmse[method][task] over (seed, fold), in the same order for every method: paired.
    var rmse = methods.ToDictionary(m => m.Name, _ => tasks.ToDictionary(t => t, _ => new List<double>()));
    var seconds = methods.ToDictionary(m => m.Name, _ => new List<double>());
    var stopped = methods.ToDictionary(m => m.Name, _ => new List<string>()); // runs a method stopped, and why
    for (int seed = 1; seed <= seeds; seed++)
        foreach (var (train, test) in data.KFold(folds, seed))
        {
            var encoder = FeatureEncoder.Fit(train);
            var encodedTrain = encoder.Transform(train);
            var encodedTest = encoder.Transform(test);
            foreach (var (name, create) in methods)
            {
                var watch = Stopwatch.StartNew();
                var model = MultiTaskModel.HardSharing(encoder, backbone: [32, 32], head: [16], generator: new Generator((ulong)seed));
                var trainer = new MultiTaskTrainer(model, new TrainerOptions
                {
                    Epochs = epochs, BatchSize = 32, Seed = (ulong)seed, Weighting = create(),
                    Optimizer = new AdamOptions { LearningRate = 3e-3, WeightDecay = 1e-4 },
                });
                string? failed = null;
                try { trainer.Fit(encodedTrain); }
                catch (Exception e) when (e is TrainingDivergedException or MultiTask.Weighting.Solvers.SolverConvergenceException) { failed = e.GetType().Name; }
                var result = failed is null ? trainer.Evaluate(encodedTest) : null;
                seconds[name].Add(watch.Elapsed.TotalSeconds);
                if (failed is not null) stopped[name].Add(failed);
                foreach (var task in tasks)
                {
                    double value = result?[task]["rmse"] ?? double.NaN;
                    rmse[name][task].Add(value);
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"{caseName},{name},{seed},{rmse[name][task].Count - 1},{task},{value:R},{watch.Elapsed.TotalSeconds:F3}"));
                }
            }
        }

    var table = new Spectre.Console.Table().AddColumn("method");
    foreach (var task in tasks) table.AddColumn($"{task} RMSE");
    table.AddColumns("Δm% vs equal", "paired wins vs equal", "s per fit", "runs stopped");
    foreach (var (name, _) in methods)
    {
        var cells = new List<string> { name };
        foreach (var task in tasks) cells.Add(MeanSd(rmse[name][task]));
        bool failed = tasks.Any(t => rmse[name][t].Any(double.IsNaN) || rmse["Equal"][t].Any(double.IsNaN));
        // Δm% of each run (seed, fold) against equal weighting's run on the same split, then mean ± sd over the runs.
        int runs = rmse[name][tasks[0]].Count;
        List<double> deltaM = failed ? [] : Enumerable.Range(0, runs).Select(i => MultiTaskImprovement.Compute([.. tasks.Select(t => new MetricComparison(t, "rmse",
            MetricDirection.LowerIsBetter, rmse[name][t][i], rmse["Equal"][t][i]))]).DeltaM).ToList();
        // A run wins when its RMSE, averaged over tasks relative to equal weighting's, is lower.
        int wins = Enumerable.Range(0, runs).Count(i => tasks.Average(t => rmse[name][t][i] / rmse["Equal"][t][i]) < 1);
        cells.Add(name == "Equal" || failed ? "—" : string.Create(CultureInfo.InvariantCulture, $"{deltaM.Average():+0.0;-0.0;0.0} ± {Sd(deltaM):0.0}%"));
        cells.Add(name == "Equal" ? "—" : $"{wins}/{runs}");
        cells.Add(seconds[name].Average().ToString("F2", CultureInfo.InvariantCulture));
        cells.Add(stopped[name].Count == 0 ? "—" : string.Join(", ", stopped[name].GroupBy(x => x).Select(g => $"{g.Count()} {g.Key}")));
        table.AddRow(cells.ToArray());
    }
    AnsiConsole.Write(table);
}
File.WriteAllLines(Path.Combine(outputDir, "results.csv"), lines);
AnsiConsole.MarkupLine($"RMSE on held-out folds, mean ± sd over folds x seeds (— where a run stopped); Δm% > 0: better than equal weighting on average over the tasks, per run (paired with equal weighting's run on the same split), mean ± sd over the runs. Every score: {Path.Combine(outputDir, "results.csv")}");

string[]? Names(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
}

int Option(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
}

static double Sd(List<double> values)
{
    double mean = values.Average();
    return values.Count > 1 ? Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / (values.Count - 1)) : 0;
}

static string MeanSd(List<double> values)
{
    if (values.Any(double.IsNaN)) return "—";
    double mean = values.Average();
    double sd = Sd(values);
    string format = mean >= 100 ? "N0" : "N3";
    return $"{mean.ToString(format, CultureInfo.InvariantCulture)} ± {sd.ToString(format, CultureInfo.InvariantCulture)}";
}

MultiTaskDataset Sacramento()
{
    string[] features = ["sqft", "beds", "baths", "latitude", "longitude"];
    var schema = features.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f));
    TaskSpec Price(string name) => TaskSpec.Regression(name, features, target: "price") with { TargetTransform = TargetTransform.Log };
    return MultiTaskDataset.FromCsv(Path.Combine(folder, "sacramento.csv"), schema, [Price("house"), Price("condo")],
        new CsvOptions { TaskColumn = "type", TaskValues = new Dictionary<string, string> { ["Residential"] = "house", ["Condo"] = "condo" } });
}

MultiTaskDataset Meats()
{
    string[] features = [.. Enumerable.Range(1, 100).Select(i => $"x_{i:000}")];
    var schema = features.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f));
    return MultiTaskDataset.FromCsv(Path.Combine(folder, "meats.csv"), schema,
        [TaskSpec.Regression("water", features), TaskSpec.Regression("fat", features), TaskSpec.Regression("protein", features)]);
}

