// The MMoE paper's trend (Ma et al., KDD 2018, figure 4): on two synthetic regression tasks whose relatedness is the
// correlation p of their weight vectors, a shared-bottom network suffers as p falls, and a multi-gate mixture of experts
// suffers less. Shared bottom, MMoE and PLE, with about the same number of parameters, are trained on the same rows for
// p = 1.0, 0.9 and 0.5 over several seeds (a new data set per seed), and scored by test loss (MSE of the standardised
// labels, averaged over the two tasks).
//
//   dotnet run --project samples/ExpertTrend -c Release [-- --seeds 5 --epochs 30 --rows 10000 --quick]
//
// Writes expert-trend-output/trend.csv and trend.png / trend.svg (each expert model's loss over the shared bottom's, per seed).
using System.Globalization;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Training;
using ScottPlot;
using Spectre.Console;

bool quick = args.Contains("--quick"); // CI: checks that the pipeline runs, not the trend
int seeds = Option("--seeds", quick ? 1 : 5), epochs = Option("--epochs", quick ? 1 : 30), rows = Option("--rows", quick ? 600 : 10_000);
double[] correlations = [1.0, 0.9, 0.5];
// 15–18k weights each, as in the paper: one bottom of 150 units, or 8 experts of 16 units (MMoE), or 4 shared and
// 2 × 2 task experts of 16 units over two levels (PLE); towers of 8 units.
var methods = new (string Name, Func<ModelInput, Generator, MultiTaskModel> Build)[]
{
    ("shared bottom", (input, g) => HardSharingModel.Create(input, new HardSharingOptions { Backbone = [150], Head = [8] }, g)),
    ("MMoE", (input, g) => MmoeModel.Create(input, new MmoeOptions { Experts = 8, ExpertHidden = [16], TowerHidden = [8] }, g)),
    ("PLE", (input, g) => PleModel.Create(input, new PleOptions { Levels = 2, SharedExperts = 4, TaskExperts = 2, ExpertHidden = [16], TowerHidden = [8] }, g)),
};

var losses = new Dictionary<(string Method, double P), List<double>>();
var lines = new List<string> { "p,seed,method,task1_mse,task2_mse,parameters" };
AnsiConsole.Progress().Start(progress =>
{
    var bar = progress.AddTask($"{correlations.Length} correlations × {seeds} seeds × {methods.Length} models", maxValue: correlations.Length * seeds * methods.Length);
    foreach (double p in correlations)
    {
        for (int seed = 1; seed <= seeds; seed++)
        {
            // Train on 80% of the rows and score the rest. A seed draws the rows, the base directions and the sine terms; the
            // correlations share them, so that only the relatedness of the two tasks changes along a row of the table.
            var data = MaSynthetic.Generate(p, rows, seed: (ulong)(1000 * seed));
            var (train, _, test) = data.Split(seed, validation: 0, test: 0.2);
            var encoder = FeatureEncoder.Fit(train);
            var (trainEncoded, testEncoded) = (encoder.Transform(train), encoder.Transform(test));
            foreach (var (name, build) in methods)
            {
                var model = build(ModelInput.From(encoder), new Generator((ulong)seed));
                var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = epochs, BatchSize = 128, Seed = (ulong)seed });
                trainer.Fit(trainEncoded);
                var result = trainer.Evaluate(testEncoded);
                // The test loss in standardised units: the RMSE in label units over the label's training scale.
                double Mse(string task) => Math.Pow(result[task]["rmse"] / encoder.TargetStatistics(task)!.Value.Std, 2);
                double mse1 = Mse("task1"), mse2 = Mse("task2");
                (losses.TryGetValue((name, p), out var list) ? list : losses[(name, p)] = []).Add((mse1 + mse2) / 2);
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{p},{seed},{name},{mse1:R},{mse2:R},{model.Parameters().Sum(q => q.Numel)}"));
                bar.Increment(1);
            }
        }
    }
});

var table = new Spectre.Console.Table().Title($"Test loss (MSE of standardised labels, mean of two tasks), mean ± sd over {seeds} seeds; {rows:N0} rows, {epochs} epochs");
table.AddColumn("model");
foreach (double p in correlations) table.AddColumn(string.Create(CultureInfo.InvariantCulture, $"p = {p:0.0}"));
foreach (var (name, _) in methods)
    table.AddRow([name, .. correlations.Select(p => MeanSd(losses[(name, p)]))]);
AnsiConsole.Write(table);
// Paired by seed (same rows, tasks and initialisation seed): the geometric mean of each model's loss over the shared
// bottom's, which a single hard draw of the sine terms cannot dominate as it dominates the mean losses.
foreach (double p in correlations)
{
    var shared = losses[("shared bottom", p)];
    foreach (var (name, _) in methods.Skip(1))
    {
        int wins = losses[(name, p)].Zip(shared).Count(z => z.First < z.Second);
        double ratio = Math.Exp(losses[(name, p)].Zip(shared).Average(z => Math.Log(z.First / z.Second)));
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"p = {p:0.0}: {name} / shared bottom loss, geometric mean over seeds {ratio:F2}; median loss {Median(losses[(name, p)]):F4} vs {Median(shared):F4}; lower in {wins} of {seeds} seeds"));
    }
}

string output = Path.Combine(Environment.CurrentDirectory, "expert-trend-output");
Directory.CreateDirectory(output);
File.WriteAllLines(Path.Combine(output, "trend.csv"), lines);
var plot = new Plot();
// Each expert model's loss over the shared bottom's on the same seed (points) and their geometric mean (line): below 1,
// the experts win; the paper's trend would be a line falling as p falls.
var palette = new ScottPlot.Palettes.Category10();
int colour = 0;
foreach (var (name, _) in methods.Skip(1))
{
    var color = palette.GetColor(colour++);
    double[] geometric = [.. correlations.Select(p => Math.Exp(losses[(name, p)].Zip(losses[("shared bottom", p)]).Average(z => Math.Log(z.First / z.Second))))];
    var line = plot.Add.Scatter(correlations, geometric);
    line.Color = color;
    line.LineWidth = 2;
    line.LegendText = $"{name} / shared bottom (geometric mean)";
    foreach (double p in correlations)
    {
        double[] ratios = [.. losses[(name, p)].Zip(losses[("shared bottom", p)]).Select(z => z.First / z.Second)];
        var points = plot.Add.ScatterPoints([.. ratios.Select(_ => p + (colour == 1 ? -0.008 : 0.008))], ratios);
        points.Color = color.WithAlpha(0.5);
    }
}
plot.Add.HorizontalLine(1, pattern: LinePattern.Dashed).Color = Colors.Gray;
plot.Axes.SetLimitsX(0.45, 1.05);
plot.Axes.Bottom.Label.Text = "task correlation p";
plot.Axes.Left.Label.Text = "test loss relative to the shared bottom (same seed)";
plot.Title($"MMoE and PLE vs a shared bottom, Ma et al. synthetic ({seeds} seeds)");
plot.ShowLegend(Alignment.UpperRight);
plot.SavePng(Path.Combine(output, "trend.png"), 720, 480);
plot.SaveSvg(Path.Combine(output, "trend.svg"), 720, 480);
AnsiConsole.MarkupLine($"Wrote [blue]{output}[/]: trend.csv, trend.png, trend.svg");

int Option(string name, int fallback) =>
    args.SkipWhile(a => a != name).Skip(1).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).FirstOrDefault(fallback);

static double Sd(List<double> values)
{
    double mean = values.Average();
    return values.Count > 1 ? Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / (values.Count - 1)) : 0;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string MeanSd(List<double> values) =>
    string.Create(CultureInfo.InvariantCulture, $"{values.Average():F4} ± {Sd(values):F4}");
