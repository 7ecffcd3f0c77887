using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;

// The tabular comparison: the library's recommended recipe against what a tabular user would run
// instead (scikit-learn's gradient-boosted trees and ridge, from tests/reference/tabular_baselines.py)
// and against the library's own single-task and pooled networks, on the same committed folds.
//   dotnet run --project samples/TabularComparison -c Release [-- --cases sacramento,ames,meats --seeds 3 --folds 5 --methods a,b --quick]

string[] caseNames = Text("--cases", "sacramento,ames,meats").Split(',', StringSplitOptions.RemoveEmptyEntries);
int maxSeeds = Number("--seeds", int.MaxValue), maxFolds = Number("--folds", int.MaxValue);
bool quick = args.Contains("--quick"); // CI: checks the pipeline, not the scores
string[]? only = Text("--methods", "") is { Length: > 0 } m ? m.Split(',') : null; // e.g. --methods "recipe: multi-task,ridge (library)"
string folder = Path.Combine(AppContext.BaseDirectory, "data");
string outputDir = Path.Combine(Environment.CurrentDirectory, "tabular-output");
Directory.CreateDirectory(outputDir);
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;

var reference = ReferenceResults.Load(Path.Combine(folder, "baselines.json"));
var methods = Methods.All(quick).Where(m => only is null || only.Contains(m.Name)).ToList();
var scores = new List<Score>();
var clock = Stopwatch.StartNew();
foreach (var name in caseNames)
{
    var @case = name switch
    {
        "sacramento" => Case.Sacramento(folder),
        "ames" => Case.Ames(folder),
        "meats" => Case.Meats(folder),
        _ => throw new ArgumentException($"Unknown case '{name}'; use sacramento, ames or meats."),
    };
    int seeds = Math.Min(@case.Seeds, maxSeeds), folds = Math.Min(@case.FoldCount, maxFolds);
    AnsiConsole.Write(new Rule($"[bold]{@case.Name}[/]: scored {string.Join(", ", @case.Scored)}; {folds} folds x {seeds} seeds").LeftJustified());
    for (int seed = 1; seed <= seeds; seed++)
        for (int fold = 0; fold < folds; fold++)
        {
            var (train, test) = @case.Split(seed, fold);
            foreach (var method in methods.Where(m => m.Applies(@case)))
            {
                var watch = Stopwatch.StartNew();
                var results = method.Run(@case, train, test, (ulong)seed).ToList();
                foreach (var (task, rmse) in results)
                    scores.Add(new Score(@case.Name, task, method.Name, seed, fold, rmse, watch.Elapsed.TotalSeconds));
            }
            AnsiConsole.MarkupLine($"[grey]seed {seed} fold {fold} done ({clock.Elapsed.TotalSeconds:F0} s)[/]");
        }
    scores.AddRange(reference.For(@case.Name, seeds, folds));
    Report.Print(@case, scores.Where(s => s.Case == @case.Name).ToList(), [Methods.Recommended, Methods.Selected]);
}
Report.WriteCsv(Path.Combine(outputDir, "results.csv"), scores);
ResultsChart.Write(Path.Combine(outputDir, "results.svg"), Path.Combine(outputDir, "results.png"), scores);
AnsiConsole.MarkupLine($"Every score: [link]{Path.Combine(outputDir, "results.csv")}[/], chart [link]{Path.Combine(outputDir, "results.svg")}[/] (and .png); total {clock.Elapsed.TotalSeconds:F0} s.");

string Text(string option, string fallback)
{
    int i = Array.IndexOf(args, option);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

int Number(string option, int fallback) => int.TryParse(Text(option, ""), out int v) ? v : fallback;

/// <summary>One held-out RMSE of one method on one task, seed and fold.</summary>
internal sealed record Score(string Case, string Task, string Method, int Seed, int Fold, double Rmse, double Seconds);

/// <summary>The reference baselines' per-fold scores (scikit-learn), read from the committed baselines.json.</summary>
internal sealed class ReferenceResults(List<Score> scores)
{
    public static ReferenceResults Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        return new ReferenceResults([.. root["results"]!.AsArray().Select(r => new Score(
            (string)r!["case"]!, (string)r["task"]!, "sklearn " + (string)r["method"]!, (int)r["seed"]!, (int)r["fold"]!, (double)r["rmse"]!, double.NaN))]);
    }

    public IEnumerable<Score> For(string @case, int seeds, int folds) =>
        scores.Where(s => s.Case == @case && s.Seed <= seeds && s.Fold < folds);
}

internal static class Report
{
    /// <summary>Mean ± sd per method and scored task, and the paired wins of the recipe's two entry points (fitted, selected) against each method.</summary>
    public static void Print(Case @case, List<Score> scores, string[] recipes)
    {
        recipes = [.. recipes.Where(r => scores.Any(s => s.Method == r))];
        var table = new Table().AddColumn("method");
        foreach (var task in @case.Scored)
        {
            table.AddColumn($"{task} RMSE");
            foreach (var recipe in recipes) table.AddColumn($"{task}: {recipe[(recipe.IndexOf(' ') + 1)..]} wins");
        }
        table.AddColumn("s per fold");
        foreach (var method in scores.Select(s => s.Method).Distinct())
        {
            var cells = new List<string> { recipes.Contains(method) ? $"[bold]{method}[/]" : method };
            foreach (var task in @case.Scored)
            {
                var mine = scores.Where(s => s.Method == method && s.Task == task).ToList();
                cells.Add(mine.Count == 0 ? "—" : MeanSd(mine.Select(s => s.Rmse)));
                foreach (var recipe in recipes)
                    cells.Add(method == recipe || mine.Count == 0 ? "—" : Wins(scores, recipe, method, task));
            }
            var timed = scores.Where(s => s.Method == method && !double.IsNaN(s.Seconds)).GroupBy(s => (s.Seed, s.Fold)).Select(g => g.First().Seconds).ToList();
            cells.Add(timed.Count == 0 ? "—" : timed.Average().ToString("F2", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
    }

    /// <summary>In how many paired runs (same seed and fold) the recipe's RMSE is lower than the other method's.</summary>
    private static string Wins(List<Score> scores, string recommended, string other, string task)
    {
        var theirs = scores.Where(s => s.Method == other && s.Task == task).ToDictionary(s => (s.Seed, s.Fold), s => s.Rmse);
        var pairs = scores.Where(s => s.Method == recommended && s.Task == task && theirs.ContainsKey((s.Seed, s.Fold)))
            .Select(s => s.Rmse < theirs[(s.Seed, s.Fold)]).ToList();
        return pairs.Count == 0 ? "—" : $"{pairs.Count(w => w)}/{pairs.Count}";
    }

    public static string MeanSd(IEnumerable<double> values)
    {
        var v = values.ToArray();
        double mean = v.Average();
        double sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{mean:F4} ± {sd:F4}");
    }

    public static void WriteCsv(string path, IEnumerable<Score> scores)
    {
        var lines = scores.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Case},{s.Task},{s.Method},{s.Seed},{s.Fold},{s.Rmse:R},{s.Seconds:F3}"));
        File.WriteAllLines(path, ["case,task,method,seed,fold,rmse,seconds", .. lines]);
    }
}
