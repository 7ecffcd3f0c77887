using System.Globalization;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Training;
using Spectre.Console;
using MultiTask.Engine.Differentiation;

// Post-click conversion rate on synthetic impressions with a known truth (Impressions.cs): a conversion model trained on
// clicked impressions only, against ESMM (Ma et al., SIGIR 2018), a cascade ctcvr = ctr·cvr trained on every impression,
// scored against the generator's p(convert | click, x) on every impression of a fresh test sample.
//   dotnet run --project samples/Recommendation -c Release [-- --seeds 5 --rows 60000 --epochs 60 --quick]
// --quick (CI) runs small samples and few epochs: it checks the pipeline, not the numbers.
bool quick = args.Contains("--quick");
int seeds = Option("--seeds", 5);
int items = quick ? 60 : 200, trainRows = Option("--rows", quick ? 6_000 : 60_000), testRows = quick ? 6_000 : 60_000, epochs = Option("--epochs", quick ? 3 : 60);
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 150;
string outputDir = Path.Combine(Environment.CurrentDirectory, "recommendation-output");
Directory.CreateDirectory(outputDir);

var hardSharing = new HardSharingOptions { Backbone = [32, 16] };
// The inner models the ESMM cascade is tried with: one shared backbone, or experts with per-task gates. The expert
// models have about the hard-sharing backbone's width per expert, so that the comparison is about the gates.
var mmoe = new MmoeOptions { Experts = 4, ExpertHidden = [32, 16], TowerHidden = [8] };
var ple = new PleOptions { Levels = 1, SharedExperts = 2, TaskExperts = 1, ExpertHidden = [32, 16], TowerHidden = [8] };
(string Name, Func<ModelInput, Generator?, MultiTaskModel> Inner)[] cascades =
[
    ("ESMM (hard sharing)", (input, g) => HardSharingModel.Create(input, hardSharing, g)),
    ("ESMM (MMoE)", (input, g) => MmoeModel.Create(input, mmoe, g)),
    ("ESMM (CGC)", (input, g) => PleModel.Create(input, ple, g)),
];
// How the trained gates of the first seed use their experts, for the utilisation chart.
var utilisation = new List<(string Name, ExpertUtilisation Table)>();
string[] methods = ["naive: cvr on clicks", "shared: ctr + cvr on clicks", .. cascades.Select(c => c.Name)];
string[] metrics = ["cvr MAE", "cvr MAE niche", "mean cvr", "mean cvr niche", "ctcvr AUC"];
var scores = methods.ToDictionary(m => m, _ => metrics.ToDictionary(k => k, _ => new List<double>()));
var truthMeans = new List<(double All, double Niche)>();
var lines = new List<string> { "seed,method,metric,value" };
var clock = System.Diagnostics.Stopwatch.StartNew();

AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .Start(progress =>
    {
        var bar = progress.AddTask($"{seeds} seeds x {methods.Length} methods", maxValue: seeds * methods.Length);
        for (int seed = 1; seed <= seeds; seed++)
        {
            var world = new Impressions(items, (ulong)seed);
            var train = world.Draw(trainRows, 1000 + (ulong)seed);
            var test = world.Draw(testRows, 2000 + (ulong)seed);
            var encoder = FeatureEncoder.Fit(train.Data);
            var encodedTrain = encoder.Transform(train.Data);
            var encodedTest = encoder.Transform(test.Data);
            var truth = test.Truth;
            truthMeans.Add((truth.Convert.Average(), Masked(truth.Convert, truth.Niche).Average()));

            // (a) The naive way: a conversion model on the clicked impressions, and a click model on all, multiplied for ctcvr.
            var clicked = Enumerable.Range(0, train.Data.RowCount).Where(r => train.Data.IsLabeled("cvr", r)).ToList();
            var naiveCvr = HardSharingModel.Create(ModelInput.From(encoder, ["cvr"]), hardSharing, new Generator((ulong)seed));
            Fit(naiveCvr, encoder.Transform(train.Data.Subset(clicked)), seed);
            var naiveCtr = HardSharingModel.Create(ModelInput.From(encoder, ["ctr"]), hardSharing, new Generator((ulong)seed));
            Fit(naiveCtr, encodedTrain, seed);
            Record(seed, methods[0], Predict(naiveCvr, encodedTest, "cvr"), Predict(naiveCtr, encodedTest, "ctr"), truth);
            bar.Increment(1);

            // Sharing without the cascade: one backbone, ctr on every impression and cvr on the clicked ones (its labels are
            // missing elsewhere). It separates what the shared item vectors bring from what the product brings.
            var shared = HardSharingModel.Create(ModelInput.From(encoder, ["ctr", "cvr"]), hardSharing, new Generator((ulong)seed));
            Fit(shared, encodedTrain, seed);
            Record(seed, methods[1], Predict(shared, encodedTest, "cvr"), Predict(shared, encodedTest, "ctr"), truth);
            bar.Increment(1);

            // (b) ESMM: ctr and ctcvr = ctr·cvr on every impression; cvr is not an output of the trained view, so it learns only
            // through the product, and the whole cascade predicts it.
            foreach (var (name, inner) in cascades)
            {
                var cascade = CascadeModel.Create(ModelInput.From(encoder), new CascadeOptions
                {
                    Dependencies = [TaskDependency.Conjunction("ctcvr", parent: "ctr", conditional: "cvr")],
                    Inner = inner,
                }, new Generator((ulong)seed));
                Fit(cascade.ForTasks(["ctr", "ctcvr"]), encodedTrain, seed);
                Record(seed, name, Predict(cascade, encodedTest, "cvr"), Predict(cascade, encodedTest, "ctr"), truth);
                if (seed == 1)
                {
                    using (Module.EvaluationScope())
                    {
                        if (cascade.Inner is MmoeModel experts) utilisation.Add((name, experts.ExpertUtilisation(encodedTest.Features)));
                        if (cascade.Inner is PleModel levels) utilisation.Add((name, levels.ExpertUtilisation(encodedTest.Features)));
                    }
                }
                bar.Increment(1);
            }
        }
    });

var table = new Spectre.Console.Table().AddColumn("method");
foreach (var metric in metrics) table.AddColumn(metric);
table.AddRow(["truth", "0", "0", MeanSd(truthMeans.Select(t => t.All).ToList()), MeanSd(truthMeans.Select(t => t.Niche).ToList()), "—"]);
foreach (var method in methods)
    table.AddRow([method, .. metrics.Select(m => MeanSd(scores[method][m]))]);
AnsiConsole.Write(table);
// Paired by seed (same world, data and initialisation seed): how often each method's conversion error is below the naive model's.
foreach (var method in methods.Skip(1))
    AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
        $"{Markup.Escape(method)}: lower cvr MAE than the naive model in {Wins(method, "cvr MAE")}/{seeds} seeds, in the niche region in {Wins(method, "cvr MAE niche")}/{seeds}"));
AnsiConsole.MarkupLine(
    $"{trainRows:N0} training and {testRows:N0} test impressions, {items} items (20 % niche), {epochs} epochs, mean ± sd over {seeds} seeds; " +
    $"MAE and means of p̂(convert | click, x) against the truth over every test impression (niche: impressions of niche items); ctcvr AUC against the observed click ∧ convert. {clock.Elapsed.TotalSeconds:0} s");
File.WriteAllLines(Path.Combine(outputDir, "results.csv"), lines);
Chart.Write(Path.Combine(outputDir, "cvr-error"), methods, [.. methods.Select(m => scores[m]["cvr MAE"].Average())], [.. methods.Select(m => scores[m]["cvr MAE niche"].Average())]);
foreach (var (name, gates) in utilisation)
{
    AnsiConsole.MarkupLine($"[bold]{Markup.Escape(name)}[/]: mean gate weight per expert on the test impressions (seed 1)");
    AnsiConsole.WriteLine(gates.ToString());
}
Chart.WriteUtilisation(Path.Combine(outputDir, "expert-utilisation"), utilisation);
AnsiConsole.MarkupLine($"Every score: {Path.Combine(outputDir, "results.csv")}; charts: {Path.Combine(outputDir, "cvr-error.png")}, {Path.Combine(outputDir, "expert-utilisation.png")}");

int Wins(string method, string metric) => scores[method][metric].Where((v, i) => v < scores[methods[0]][metric][i]).Count();

void Fit(MultiTaskModel model, EncodedData data, int seed) =>
    new MultiTaskTrainer(model, new TrainerOptions
    {
        Epochs = epochs, BatchSize = 256, Seed = (ulong)seed, Optimizer = new AdamOptions { LearningRate = 3e-3 },
    }).Fit(data);

void Record(int seed, string method, double[] cvr, double[] ctr, Truth truth)
{
    var ctcvr = cvr.Select((p, i) => p * ctr[i]).ToArray();
    var values = new Dictionary<string, double>
    {
        ["cvr MAE"] = cvr.Select((p, i) => Math.Abs(p - truth.Convert[i])).Average(),
        ["cvr MAE niche"] = Masked(cvr.Select((p, i) => Math.Abs(p - truth.Convert[i])).ToArray(), truth.Niche).Average(),
        ["mean cvr"] = cvr.Average(),
        ["mean cvr niche"] = Masked(cvr, truth.Niche).Average(),
        ["ctcvr AUC"] = Auc(ctcvr, truth.Both),
    };
    foreach (var (metric, value) in values)
    {
        scores[method][metric].Add(value);
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{seed},{method},{metric},{value:R}"));
    }
}

static double[] Predict(MultiTaskModel model, EncodedData data, string task)
{
    model.Eval();
    using (Autograd.NoGrad()) return [.. model.ForwardTask(data.Features, task).Sigmoid().ToArray().Select(v => (double)v)];
}

static IEnumerable<double> Masked(double[] values, bool[] keep) => values.Where((_, i) => keep[i]);

// The probability that a random positive scores above a random negative (ties count half), from the ranks.
static double Auc(double[] scores, bool[] positive)
{
    var order = Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ToArray();
    double rankSum = 0;
    for (int start = 0; start < order.Length;)
    {
        int end = start;
        while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[start]]) end++;
        double rank = (start + end) / 2.0 + 1;
        for (int k = start; k <= end; k++) if (positive[order[k]]) rankSum += rank;
        start = end + 1;
    }
    long positives = positive.LongCount(p => p), negatives = positive.Length - positives;
    return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
}

static string MeanSd(List<double> values)
{
    double mean = values.Average();
    double sd = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
    return string.Create(CultureInfo.InvariantCulture, $"{mean:0.0000} ± {sd:0.0000}");
}

int Option(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;
}
