using System.Globalization;
using System.Text;
using CsvHelper;
using MultiTask.Metrics;

namespace MultiTask.Search;

/// <summary>Every evaluation of a search, in proposal order, and the best configuration.</summary>
public sealed class SearchResult
{
    internal SearchResult(IReadOnlyList<TrialResult> trials, int foldCount, MetricDirection direction)
    {
        Trials = trials.ToArray();
        FoldCount = foldCount;
        Direction = direction;
        var completed = Trials.Where(t => t.Status == TrialStatus.Completed).ToArray();
        if (completed.Length == 0)
        {
            var first = Trials.FirstOrDefault(t => t.Status == TrialStatus.Failed)
                ?? throw new InvalidOperationException("The search ran no evaluation.");
            throw new InvalidOperationException(
                $"Every one of the {Trials.Count} evaluations failed; the first (trial {first.Index}: {first.Trial}) failed with {first.Error}",
                first.Exception);
        }
        // Scores at different budgets are not comparable (more epochs, lower loss), so the best is chosen
        // among the evaluations at the largest budget that has a completed one.
        int budget = completed.Max(t => t.Budget);
        Best = completed.Where(t => t.Budget == budget).Aggregate((best, t) => Better(t, best, direction) ? t : best);
    }

    /// <summary>Every evaluation, ordered by <see cref="TrialResult.Index"/>.</summary>
    public IReadOnlyList<TrialResult> Trials { get; }

    /// <summary>The best completed evaluation at the largest budget (ties: the earliest).</summary>
    public TrialResult Best { get; }

    /// <summary>The best configuration.</summary>
    public Trial BestTrial => Best.Trial;

    /// <summary>The best configuration's parameter values.</summary>
    public IReadOnlyDictionary<string, object?> BestParameters => Best.Trial.Values;

    /// <summary>The number of cross-validation folds per evaluation.</summary>
    public int FoldCount { get; }

    /// <summary>Which way the score improves.</summary>
    public MetricDirection Direction { get; }

    /// <summary>
    /// The evaluations as an aligned text table (index, configuration, rung, budget, parameters, mean ± sd
    /// over folds, status), the best row marked with <c>*</c>. Durations are left out so identical searches print identically.
    /// </summary>
    /// <returns>The table.</returns>
    public override string ToString()
    {
        var names = Trials[0].Trial.Parameters.Select(p => p.Name).ToArray();
        var header = new List<string> { "", "#", "config", "rung", "budget" };
        header.AddRange(names);
        header.AddRange(["mean", "sd", "status"]);
        var rows = new List<string[]> { header.ToArray() };
        foreach (var t in Trials)
        {
            var row = new List<string>
            {
                ReferenceEquals(t, Best) ? "*" : "", Int(t.Index), Int(t.Trial.Id), Int(t.Rung), Int(t.Budget),
            };
            row.AddRange(names.Select(n => t.Trial.Label(n, false)));
            row.Add(t.Status == TrialStatus.Completed ? Short(t.Mean, 6) : "—");
            row.Add(t.Status == TrialStatus.Completed ? Short(t.StandardDeviation, 3) : "—");
            row.Add(t.Status == TrialStatus.Completed ? "ok" : "failed: " + Shorten(t.Error ?? "", 60));
            rows.Add(row.ToArray());
        }
        var widths = Enumerable.Range(0, header.Count).Select(c => rows.Max(r => r[c].Length)).ToArray();
        // Numbers align right; text columns (non-numeric parameters and the status) align left.
        var left = Enumerable.Range(0, header.Count)
            .Select(c => c == header.Count - 1 || (c >= 5 && c < 5 + names.Length && rows.Skip(1).Any(r => !IsNumber(r[c])))).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"{Trials.Count} evaluations, {FoldCount}-fold scores ({(Direction == MetricDirection.LowerIsBetter ? "lower" : "higher")} is better); best: #{Best.Index} {Best.Trial}");
        foreach (var row in rows)
            sb.AppendLine(string.Join("  ", row.Select((cell, c) => left[c] ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        return sb.ToString();
    }

    /// <summary>
    /// Writes every evaluation to a CSV file (invariant culture, round-trip precision): index, config, rung,
    /// budget, status, mean, sd, duration_seconds, one <c>params_NAME</c> column per parameter, one
    /// <c>fold_F</c> column per fold and error. The file is written next to <paramref name="path"/> and then
    /// renamed over it, so a reader never sees half a file.
    /// </summary>
    /// <param name="path">The CSV file to create or replace.</param>
    public void WriteCsv(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp";
        var names = Trials[0].Trial.Parameters.Select(p => p.Name).ToArray();
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            using (var csv = CsvWriter.Create(stream, CsvWriterOptions.Default, leaveOpen: false))
            {
                foreach (var h in new[] { "index", "config", "rung", "budget", "status", "mean", "sd", "duration_seconds" }) csv.WriteField(h);
                foreach (var n in names) csv.WriteField("params_" + n);
                for (int f = 0; f < FoldCount; f++) csv.WriteField("fold_" + f.ToString(CultureInfo.InvariantCulture));
                csv.WriteField("error");
                csv.EndRecord();
                foreach (var t in Trials)
                {
                    csv.WriteField(Int(t.Index));
                    csv.WriteField(Int(t.Trial.Id));
                    csv.WriteField(Int(t.Rung));
                    csv.WriteField(Int(t.Budget));
                    csv.WriteField(t.Status == TrialStatus.Completed ? "completed" : "failed");
                    csv.WriteField(Real(t.Mean));
                    csv.WriteField(Real(t.StandardDeviation));
                    csv.WriteField(Real(t.Duration.TotalSeconds));
                    foreach (var n in names) csv.WriteField(t.Trial.Label(n, true));
                    foreach (var s in t.FoldScores) csv.WriteField(Real(s));
                    csv.WriteField(t.Error ?? "");
                    csv.EndRecord();
                }
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Whether <paramref name="a"/> has a strictly better mean than <paramref name="b"/>.</summary>
    internal static bool Better(TrialResult a, TrialResult b, MetricDirection direction) =>
        direction == MetricDirection.LowerIsBetter ? a.Mean < b.Mean : a.Mean > b.Mean;

    /// <summary>Orders evaluations best first: completed before failed, then by mean, then by index.</summary>
    internal static int Rank(TrialResult a, TrialResult b, MetricDirection direction)
    {
        bool aOk = a.Status == TrialStatus.Completed, bOk = b.Status == TrialStatus.Completed;
        if (aOk != bOk) return aOk ? -1 : 1;
        if (aOk && a.Mean != b.Mean) return Better(a, b, direction) ? -1 : 1;
        return a.Index.CompareTo(b.Index);
    }

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Real(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary><paramref name="digits"/> significant digits, without the exponent that "G" would use for large whole numbers (13912, not 1.39E+04).</summary>
    private static string Short(double v, int digits) =>
        Math.Abs(v) >= Math.Pow(10, digits) && Math.Abs(v) < 1e12
            ? v.ToString("F0", CultureInfo.InvariantCulture)
            : v.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static bool IsNumber(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string Shorten(string s, int max)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length <= max ? s : s[..(max - 1)] + "…";
    }
}
