using System.Globalization;
using System.Text;
using MultiTask.Continual;

/// <summary>The console tables and CSV files of both parts.</summary>
internal static class Report
{
    public static readonly int[] Budgets = [1, 2, 5, 10, 20, 50, 100];

    public static void Sequential(string name, string[] order, List<ContinualRun> runs, int epochs, int batch, double lambda, int capacity)
    {
        int seeds = runs.Select(r => r.Seed).Distinct().Count();
        Console.WriteLine($"== Sequential tasks, {name}: {string.Join(" -> ", order)} ({epochs} epochs per stage, batch {batch}; EWC λ = {lambda:G}; replay capacity {capacity}; {seeds} seed(s))");
        Console.WriteLine("   R[stage, task] = test RMSE of each task after each stage, mean over seeds; BWT < 0 is forgetting.");
        var summary = new List<string>();
        foreach (var method in runs.Select(r => r.Method).Distinct())
        {
            var mine = runs.Where(r => r.Method == method).Select(r => r.Results).ToList();
            var mean = Mean(mine);
            Console.WriteLine($"-- {method}");
            Console.WriteLine(method == ContinualDemo.Joint ? string.Join('\n', mean.ToString().Split('\n')[..^1]).Replace("after stage 0", "all at once  ") : mean.ToString());
            var bwt = mine.Select(m => m.BackwardTransfer).ToList();
            summary.Add(method == ContinualDemo.Joint
                ? $"{method,-20} {"—",18} {mean.FinalAverage,16:F4}"
                : $"{method,-20} {bwt.Average(),8:F4} ± {Sd(bwt),7:F4} {mean.FinalAverage,16:F4}");
        }
        Console.WriteLine($"{"method",-20} {"BWT (mean ± sd)",18} {"final mean RMSE",16}");
        foreach (var line in summary) Console.WriteLine(line);
        Console.WriteLine();
    }

    public static void Transfer(string name, string[] source, string[] target, List<TransferCurve> curves, TransferSettings settings)
    {
        int seeds = curves.Select(c => c.Seed).Distinct().Count();
        int epochs = curves.Max(c => c.Rmse.Length);
        Console.WriteLine($"== Transfer, {name}: pre-trained on {string.Join(", ", source)} ({settings.PretrainEpochs} epochs), saved and loaded back; " +
            $"new task(s) {string.Join(", ", target)} from {settings.NewRows} rows each; {seeds} seed(s)");
        Console.WriteLine($"   test RMSE after E epochs (mean over seeds); two-stage = {settings.FrozenEpochs} epochs heads only, then everything, the backbone at 0.1 x the rate");
        var budgets = Budgets.Where(b => b <= epochs).ToArray();
        Console.WriteLine($"{"task",-10} {"method",-22}" + string.Concat(budgets.Select(b => $"{b,8}")));
        foreach (var task in target)
        {
            foreach (var method in curves.Select(c => c.Method).Distinct())
            {
                var mine = curves.Where(c => c.Task == task && c.Method == method).ToList();
                Console.WriteLine($"{task,-10} {method,-22}" + string.Concat(budgets.Select(b => $"{mine.Average(c => c.Rmse[b - 1]),8:F4}")));
            }
        }
        foreach (var method in new[] { TransferDemo.HeadsOnly, TransferDemo.TwoStage })
        {
            var wins = budgets.Select(b =>
            {
                var pairs = curves.Where(c => c.Method == method)
                    .Select(c => (Transfer: c.Rmse[b - 1], Scratch: curves.Single(s => s.Method == TransferDemo.Scratch && s.Task == c.Task && s.Seed == c.Seed).Rmse[b - 1]))
                    .ToList();
                return $"{pairs.Count(p => p.Transfer < p.Scratch)}/{pairs.Count}";
            });
            Console.WriteLine($"{"",-10} {method + " wins",-22}" + string.Concat(wins.Select(w => $"{w,8}")));
        }
        Console.WriteLine($"   ({"wins"}: runs (task x seed) where it has the lower test RMSE than from scratch at that budget)");
        Console.WriteLine();
    }

    public static void SequentialCsv(string path, List<ContinualRun> runs)
    {
        var text = new StringBuilder("case,method,seed,stage,task,rmse\n");
        foreach (var run in runs)
            for (int s = 0; s < run.Results.StageCount; s++)
                foreach (var task in run.Results.Tasks)
                    if (!double.IsNaN(run.Results[s, task]))
                        text.AppendLine(CultureInfo.InvariantCulture, $"{run.Case},{run.Method},{run.Seed},{s},{task},{run.Results[s, task]:G6}");
        File.WriteAllText(path, text.ToString());
    }

    public static void TransferCsv(string path, List<TransferCurve> curves)
    {
        var text = new StringBuilder("case,method,task,seed,epoch,rmse\n");
        foreach (var c in curves)
            for (int e = 0; e < c.Rmse.Length; e++)
                text.AppendLine(CultureInfo.InvariantCulture, $"{c.Case},{c.Method},{c.Task},{c.Seed},{e + 1},{c.Rmse[e]:G6}");
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>The element-wise mean of the seeds' matrices (BWT is linear in R, so its BWT is the mean BWT).</summary>
    public static ContinualMatrix Mean(IReadOnlyList<ContinualMatrix> matrices)
    {
        var first = matrices[0];
        var values = new double[first.StageCount, first.Tasks.Count];
        for (int s = 0; s < first.StageCount; s++)
            for (int j = 0; j < first.Tasks.Count; j++)
                values[s, j] = matrices.Average(m => m[s, j]);
        return new ContinualMatrix(first.Tasks, values, first.Direction, first.Metric, [.. first.Tasks.Select(first.IntroducedAt)]);
    }

    private static double Sd(List<double> values) =>
        values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - values.Average()) * (v - values.Average())) / (values.Count - 1));
}
