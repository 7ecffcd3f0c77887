using System.Diagnostics;
using System.Globalization;
using System.Text;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Benchmarks;

/// <summary>
/// D — CSV to encoded tensors: a seeded 1,000,000-row file (8 numeric columns, categoricals of 5, 20 and 100 levels, a
/// regression and a binary label with missing values) read, fitted and encoded by the library
/// (<see cref="MultiTaskDataset.FromCsv(string, FeatureSchema, IReadOnlyList{TaskSpec}, CsvOptions)"/>,
/// <see cref="FeatureEncoder.Fit"/>, <see cref="FeatureEncoder.Transform"/>, the feature tensor) and by pandas.read_csv +
/// scikit-learn's StandardScaler and OneHotEncoder (tests/reference/bench_data.py). Each run is a fresh process, so its
/// peak resident memory (VmHWM) is its own; the two alternate, and the medians are reported.
/// </summary>
public static class DataBenchmark
{
    private static readonly string[] Numeric = [.. Enumerable.Range(0, 8).Select(i => $"x{i}")];
    private static readonly (string Name, int Levels)[] Categorical = [("c5", 5), ("c20", 20), ("c100", 100)];

    public static int Run(string[] args)
    {
        int rows = Option(args, "--rows", 1_000_000), rounds = Option(args, "--rounds", 3);
        string path = Path.Combine(Path.GetTempPath(), $"multitask-data-{rows}.csv");
        if (!File.Exists(path)) Generate(path, rows);
        string python = Repository.File("tests", "reference", "bench_data.py");
        Console.WriteLine($"D — CSV → encoded tensors, {rows:N0} rows ({new FileInfo(path).Length / 1e6:F0} MB), {Environment.ProcessorCount} cores; median of {rounds} alternating runs, each a fresh process");
        var library = new List<(double Seconds, double PeakMb)>();
        var pandas = new List<(double Seconds, double PeakMb)>();
        for (int r = 0; r < rounds; r++)
        {
            library.Add(Child("dotnet", $"\"{typeof(DataBenchmark).Assembly.Location}\" data-run \"{path}\""));
            pandas.Add(Child("/usr/bin/python3", $"\"{python}\" \"{path}\""));
        }
        double Median(IEnumerable<double> v) { var s = v.Order().ToArray(); return s[s.Length / 2]; }
        double libSeconds = Median(library.Select(x => x.Seconds)), pdSeconds = Median(pandas.Select(x => x.Seconds));
        double libPeak = Median(library.Select(x => x.PeakMb)), pdPeak = Median(pandas.Select(x => x.PeakMb));
        Console.WriteLine("pipeline                          seconds   rows/s       peak MB");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"library (FromCsv, Fit, Transform)  {libSeconds,7:F2}  {rows / libSeconds,10:N0}  {libPeak,8:F0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pandas + scikit-learn              {pdSeconds,7:F2}  {rows / pdSeconds,10:N0}  {pdPeak,8:F0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"library / pandas: rows/s {pdSeconds / libSeconds:F2}x, peak memory {libPeak / pdPeak:F2}x"));
        return 0;
    }

    /// <summary>One library run in this process: prints "seconds peak_mb".</summary>
    public static int RunOnce(string[] args)
    {
        string path = args[0];
        var watch = Stopwatch.StartNew();
        var data = MultiTaskDataset.FromCsv(path, Schema(), Tasks());
        var encoder = FeatureEncoder.Fit(data);
        var encoded = encoder.Transform(data);
        Tensor features = encoded.Features;
        var targets = encoded.Tasks.Select((_, t) => (encoded.Targets(t), encoded.Mask(t))).ToArray();
        watch.Stop();
        if (features.Shape[0] != data.RowCount || targets.Length != 2) return 1;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{watch.Elapsed.TotalSeconds:R} {PeakMegabytes():R}"));
        return 0;
    }

    private static FeatureSchema Schema()
    {
        var schema = new FeatureSchema();
        foreach (var name in Numeric) schema = schema.Numeric(name);
        foreach (var (name, levels) in Categorical) schema = schema.Categorical(name, [.. Enumerable.Range(0, levels).Select(l => $"{name}_{l}")]);
        return schema;
    }

    private static TaskSpec[] Tasks()
    {
        string[] features = [.. Numeric, .. Categorical.Select(c => c.Name)];
        return [TaskSpec.Regression("price", features), TaskSpec.Binary("sold", features)];
    }

    private static void Generate(string path, int rows)
    {
        var g = new Generator(2026);
        string temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 20))
        {
            writer.WriteLine(string.Join(",", Numeric.Concat(Categorical.Select(c => c.Name)).Append("price").Append("sold")));
            var line = new StringBuilder();
            for (int r = 0; r < rows; r++)
            {
                line.Clear();
                double sum = 0;
                foreach (var _ in Numeric)
                {
                    double x = g.NextNormal();
                    sum += x;
                    line.Append(x.ToString("F5", CultureInfo.InvariantCulture)).Append(',');
                }
                foreach (var (name, levels) in Categorical) line.Append(name).Append('_').Append((int)(g.NextDouble() * levels)).Append(',');
                // A fifth of the prices and a third of the sale flags are missing (empty cells).
                if (g.NextDouble() >= 0.2) line.Append((100 + 10 * sum + g.NextNormal()).ToString("F3", CultureInfo.InvariantCulture));
                line.Append(',');
                if (g.NextDouble() >= 1.0 / 3) line.Append(sum > 0 ? '1' : '0');
                writer.WriteLine(line);
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    private static (double Seconds, double PeakMb) Child(string fileName, string arguments)
    {
        var info = new ProcessStartInfo(fileName, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{fileName} {arguments} failed ({process.ExitCode}): {error}");
        var parts = output.Trim().Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The process's peak resident set (VmHWM in /proc/self/status), in MB.</summary>
    private static double PeakMegabytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return double.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
    }

    private static int Option(string[] args, string name, int fallback) =>
        args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(fallback);
}
