using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;
using MultiTask.Recipes;
using MultiTask.Training;
using MultiTask.Weighting;
using Spectre.Console;

// MultiTask sample: house and apartment/condo prices as related tasks.
//   dotnet run --project samples/HousingPrices -c Release [-- --folds 5 --seeds 3 --epochs 80 --select]
// Part 1 trains the seed example (two synthetic tables with different columns); part 2 compares
// single-task, pooled and multi-task setups on real Sacramento sales with cross-validation.

int folds = Option("--folds", 5), seeds = Option("--seeds", 3), epochs = Option("--epochs", 60);
bool select = args.Contains("--select"); // adds the recipe with its sharing chosen per task (slow: about 12 fits per run)
string outputDir = Path.Combine(Environment.CurrentDirectory, "housing-output");
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 150; // tables stay readable in logs
Directory.CreateDirectory(outputDir);

// ---- Part 1: the seed example ----
AnsiConsole.Write(new Rule("[bold]1. Seed example: houses and apartments, different columns[/]").LeftJustified());
var seedData = SeedExample.Generate(new Generator(7), houses: 2000, apartments: 120);
var (seedTrain, seedValidation, seedTest) = seedData.Split(seed: 7, validation: 0.15, test: 0.25);
var seedEncoder = FeatureEncoder.Fit(seedTrain);
AnsiConsole.MarkupLine($"{seedData.LabelCount("house")} houses, {seedData.LabelCount("apartment")} apartments; " +
                       $"encoded columns: [grey]{string.Join(", ", seedEncoder.ColumnNames)}[/]");
var seedOptions = new TrainerOptions { Epochs = epochs, BatchSize = 32, Seed = 7, Optimizer = new AdamOptions { LearningRate = 3e-3 } };
BaselineReport seedReport = null!;
AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .Start(ctx =>
    {
        var bar = ctx.AddTask("single-task and multi-task models", maxValue: 3 * epochs);
        int done = 0;
        var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.EpochRecord is not null) bar.Value = ++done; });
        seedReport = Baselines.Compare(
            tasks => MultiTaskModel.HardSharing(seedEncoder, backbone: [64, 64], head: [32], generator: new Generator(7), tasks: tasks),
            seedOptions with { Callbacks = [new ProgressCallback(progress)] },
            seedEncoder.Transform(seedTrain), seedEncoder.Transform(seedValidation), seedEncoder.Transform(seedTest));
    });
AnsiConsole.WriteLine(seedReport.ToString());

// ---- Part 2: real data, cross-validated ----
AnsiConsole.Write(new Rule("[bold]2. Sacramento sales: houses and condos[/]").LeftJustified());
var sacramento = new SacramentoComparison(Path.Combine(AppContext.BaseDirectory, "data", "sacramento.csv"));
AnsiConsole.MarkupLine($"{sacramento.Houses} houses, {sacramento.Condos} condos; features {string.Join(", ", SacramentoComparison.Features)}; " +
                       $"{folds}-fold cross-validation x {seeds} seeds, {epochs} epochs per model");

TrainerOptions Recipe(ulong seed, LossWeighting? weighting = null) => new()
{
    Epochs = epochs, BatchSize = 32, Seed = seed,
    Optimizer = new AdamOptions { LearningRate = 3e-3, WeightDecay = 1e-4 },
    Weighting = weighting ?? new EqualWeighting(),
};
int[] backbone = [32, 32], head = [16];
// The recommended setup is the library's recipe for tables (docs/recipes.md): log prices on one shared
// scale, a ridge-regression start, a shared network with residual task heads, early stopping on held-out
// rows and an ensemble of five. The others are hand-made single networks, for comparison. Soft sharing
// pulls one network per task towards the others: its strength interpolates between separate models
// (λ = 0) and one pooled model (λ → ∞).
const string Recommended = "recommended recipe (TabularRecipe)";
bool quick = epochs < 20; // CI's short run
TabularRecipeOptions RecipeOptions(ulong seed) => quick
    ? new TabularRecipeOptions { Seed = seed, Members = 2, MaxEpochs = epochs, Patience = epochs }
    : new TabularRecipeOptions { Seed = seed };
Setup[] setups =
[
    new("single-task", SetupKind.SingleTask, (e, t, s) => MultiTaskModel.HardSharing(e, backbone, head, generator: new Generator(s), tasks: t), s => Recipe(s)),
    new("pooled (one model, type as a feature)", SetupKind.Pooled, (e, t, s) => MultiTaskModel.HardSharing(e, backbone, head, generator: new Generator(s)), s => Recipe(s)),
    new("hard sharing", SetupKind.MultiTask, (e, t, s) => MultiTaskModel.HardSharing(e, backbone, head, generator: new Generator(s)), s => Recipe(s)),
    new("hard sharing + uncertainty weighting", SetupKind.MultiTask, (e, t, s) => MultiTaskModel.HardSharing(e, backbone, head, generator: new Generator(s)), s => Recipe(s, new UncertaintyWeighting())),
    new("hard sharing + temperature sampler (T = 2)", SetupKind.MultiTask, (e, t, s) => MultiTaskModel.HardSharing(e, backbone, head, generator: new Generator(s)), s => Recipe(s) with { Sampler = TaskSampler.Temperature(2) }),
    new("cross-stitch", SetupKind.MultiTask, (e, t, s) => MultiTaskModel.CrossStitch(e, backbone, head, generator: new Generator(s)), s => Recipe(s)),
    new("soft sharing, heads tied (λ = 0.1)", SetupKind.MultiTask, (e, t, s) => MultiTaskModel.SoftSharing(e, backbone, head, strength: 0.1, penalizeHeads: true, generator: new Generator(s)), s => Recipe(s)),
    new("recipe, single-task (Sharing = SingleTask)", SetupKind.Recipe, null, null, s => RecipeOptions(s) with { Sharing = TaskSharing.SingleTask }),
    new("recipe, pooled (Sharing = Pooled)", SetupKind.Recipe, null, null, s => RecipeOptions(s) with { Sharing = TaskSharing.Pooled }),
    new(Recommended, SetupKind.Recipe, null, null, RecipeOptions),
    // Chooses the sharing per task by 3-fold cross-validation inside the training rows: about 12 recipe fits per
    // run, so it is opt-in (--select) to keep the sample at about two minutes.
    .. select ? (Setup[])[new Setup("recipe, sharing selected per task (TabularRecipe.Select)", SetupKind.Recipe, null, null,
        SelectionOptions: s => new TabularSelectionOptions { Recipe = RecipeOptions(s), Folds = quick ? 2 : 3, Seed = s })] : [],
];

var results = setups.ToDictionary(s => s.Name, _ => new List<(double House, double Condo)>());
IReadOnlyList<EpochRecord>? curves = null;
AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
    .Start(ctx =>
    {
        var bars = setups.ToDictionary(s => s.Name, s => ctx.AddTask(s.Name, maxValue: folds * seeds * epochs * (s.Kind == SetupKind.SingleTask ? 2 : 1)));
        for (int seed = 1; seed <= seeds; seed++)
        {
            var assignment = sacramento.Folds(folds, (ulong)seed);
            for (int fold = 0; fold < folds; fold++)
            {
                foreach (var setup in setups)
                {
                    var bar = bars[setup.Name];
                    var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.EpochRecord is not null) bar.Increment(1); });
                    var (house, condo, history) = sacramento.Run(setup, assignment, fold, (ulong)seed, progress);
                    if (setup.Kind == SetupKind.Recipe) bar.Increment(epochs); // its members stop early, each at its own epoch
                    results[setup.Name].Add((house, condo));
                    if (setup.Name == Recommended && curves is null) curves = history;
                }
            }
        }
    });

var single = results["single-task"];
double singleHouse = single.Average(r => r.House), singleCondo = single.Average(r => r.Condo);
var table = new Spectre.Console.Table().AddColumns("setup", "house RMSE", "condo RMSE", "condo better than single-task", "condo better than pooled", "Δm% vs single-task");
foreach (var setup in setups)
{
    var r = results[setup.Name];
    var pooled = results["pooled (one model, type as a feature)"];
    double deltaM = MultiTaskImprovement.Compute(
    [
        new MetricComparison("house", "rmse", MetricDirection.LowerIsBetter, r.Average(x => x.House), singleHouse),
        new MetricComparison("condo", "rmse", MetricDirection.LowerIsBetter, r.Average(x => x.Condo), singleCondo),
    ]).DeltaM;
    table.AddRow(setup.Name == Recommended ? $"[bold]{setup.Name} *[/]" : setup.Name, MeanSd(r.Select(x => x.House)), MeanSd(r.Select(x => x.Condo)),
        $"{r.Zip(single).Count(p => p.First.Condo < p.Second.Condo)}/{r.Count} runs",
        $"{r.Zip(pooled).Count(p => p.First.Condo < p.Second.Condo)}/{r.Count} runs",
        setup.Kind == SetupKind.SingleTask ? "—" : $"{deltaM:+0.0;-0.0}%");
}
AnsiConsole.Write(table);
AnsiConsole.MarkupLine("RMSE in dollars on held-out folds: mean ± standard deviation over folds and seeds; " +
                       "'better than' counts paired runs (same fold, same seed). Δm% > 0: better than single-task on average over both tasks. " +
                       "* the recommended setup.");

if (curves is not null)
{
    var series = new Dictionary<string, IReadOnlyList<double>>();
    foreach (var key in new[] { "loss.house", "loss.condo", "val_loss.house", "val_loss.condo" })
        series[key] = curves.Select(r => r.TryGetValue(key, out var v) ? v : double.NaN).ToArray();
    TrainingCurves.WriteCsv(Path.Combine(outputDir, "curves.csv"), series);
    string title = $"{Recommended}, first member, on Sacramento (fold 1, seed 1): MSE of standardised log price";
    TrainingCurves.WriteSvg(Path.Combine(outputDir, "curves.svg"), title, series);
    TrainingCurves.WritePng(Path.Combine(outputDir, "curves.png"), title, series);
    AnsiConsole.MarkupLine($"Training curves: [link]{Path.Combine(outputDir, "curves.csv")}[/], [link]{Path.Combine(outputDir, "curves.svg")}[/] and [link]{Path.Combine(outputDir, "curves.png")}[/]");
}

static string MeanSd(IEnumerable<double> values)
{
    var v = values.ToArray();
    double mean = v.Average();
    double sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / Math.Max(v.Length - 1, 1));
    return $"{mean:N0} ± {sd:N0}";
}

int Option(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
}

/// <summary>Forwards epoch ends to a progress reporter (Baselines.Compare takes callbacks, not a progress sink).</summary>
internal sealed class ProgressCallback(IProgress<TrainingProgress> progress) : Callback
{
    public override void OnEpochEnd(TrainingContext context) =>
        progress.Report(new TrainingProgress(context.Epoch, context.Epochs, 0, context.StepsPerEpoch, 0, 0, context.LastEpoch));
}

/// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
