using System.Diagnostics;
using System.Globalization;
using System.Text;
using MultiTask.Data;
using MultiTask.Data.Streaming;
using MultiTask.Parquet;
using MultiTask.Tasks;

namespace MultiTask.Benchmarks;

/// <summary>
/// S: throughput and peak memory of streaming. Writes a CSV of N rows (5 numeric features, one piecewise-linear, a
/// categorical feature, a regression and a binary label, 5% missing cells) and a Parquet copy with one row group per
/// chunk, then measures each source in a fresh process (so the peak working set is that source's alone): the encoder's
/// one fitting pass (for CSV including the scan that indexes the chunks), a shuffled epoch of batches (read, parse,
/// encode, shuffle, batch; no model), and for comparison the in-memory path (<see cref="MultiTaskDataset.FromCsv(string, FeatureSchema, IReadOnlyList{TaskSpec}, CsvOptions?)"/>,
/// <see cref="FeatureEncoder.Fit"/>, <see cref="FeatureEncoder.Transform"/> and a <see cref="DataLoader"/> epoch).
/// Prints one JSON line per source.
/// </summary>
public static class StreamingBenchmark
{
    private static readonly string[] Cities = ["north", "south", "east", "west"];

    private static FeatureSchema Schema() => new FeatureSchema()
        .Numeric("x1").Numeric("x2").Numeric("x3", new NumericOptions { Log = true })
        .Numeric("x4", NumericEncoding.PiecewiseLinear).Numeric("x5")
        .Categorical("city", Cities);

    private static TaskSpec[] Tasks()
    {
        string[] features = ["x1", "x2", "x3", "x4", "x5", "city"];
        return [TaskSpec.Regression("y", features), TaskSpec.Binary("z", features)];
    }

    public static int Run(string[] args)
    {
        int rows = Option(args, "--rows") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 1_000_000;
        string buffer = Option(args, "--buffer") ?? "65536", chunk = Option(args, "--chunk") ?? "16384";
        string dir = Option(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "multitask-streaming-benchmark");
        Directory.CreateDirectory(dir);
        string csv = Path.Combine(dir, $"rows-{rows}.csv"), parquet = Path.Combine(dir, $"rows-{rows}-{chunk}.parquet");
        if (!File.Exists(csv)) Write(csv, rows);
        if (!File.Exists(parquet)) ParquetConversion.FromCsv(csv, parquet, int.Parse(chunk, CultureInfo.InvariantCulture));
        Console.Error.WriteLine($"csv {new FileInfo(csv).Length / 1e6:F1} MB, parquet {new FileInfo(parquet).Length / 1e6:F1} MB, {rows:N0} rows");
        foreach (var (source, path) in new[] { ("csv", csv), ("parquet", parquet), ("memory", csv) })
        {
            string self = typeof(StreamingBenchmark).Assembly.Location;
            var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { self, "streaming-child", source, path, buffer, chunk }) info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            Console.WriteLine(process.StandardOutput.ReadToEnd().Trim());
            process.WaitForExit();
            if (process.ExitCode != 0) return process.ExitCode;
        }
        return 0;
    }

    /// <summary>One measurement: <c>streaming-child csv|parquet|memory PATH BUFFER CHUNK</c>.</summary>
    public static int Child(string[] args)
    {
        string source = args[0], path = args[1];
        int buffer = int.Parse(args[2], CultureInfo.InvariantCulture), chunk = int.Parse(args[3], CultureInfo.InvariantCulture);
        var watch = Stopwatch.StartNew();
        double fitSeconds, epochSeconds;
        long rows, batches = 0;
        if (source == "memory")
        {
            var data = MultiTaskDataset.FromCsv(path, Schema(), Tasks());
            var encoded = FeatureEncoder.Fit(data).Transform(data);
            fitSeconds = watch.Elapsed.TotalSeconds;
            watch.Restart();
            foreach (var batch in new DataLoader(encoded, 256, new MultiTask.Engine.Tensors.Generator(1)).Epoch()) batches++;
            epochSeconds = watch.Elapsed.TotalSeconds;
            rows = encoded.RowCount;
        }
        else
        {
            var data = source == "csv"
                ? StreamingDataset.FromCsv(path, Schema(), Tasks(), chunkRows: chunk)
                : ParquetChunkSource.Dataset([path], Schema(), Tasks());
            var encoder = data.FitEncoder();
            fitSeconds = watch.Elapsed.TotalSeconds;
            watch.Restart();
            foreach (var batch in new StreamingLoader(data, encoder, 256, buffer, seed: 1).Epoch(0)) batches++;
            epochSeconds = watch.Elapsed.TotalSeconds;
            rows = data.RowCount;
        }
        var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"workload\":\"S-{source}\",\"rows\":{rows},\"batches\":{batches},\"buffer_rows\":{(source == "memory" ? 0 : buffer)},\"chunk_rows\":{chunk}," +
            $"\"fit_seconds\":{fitSeconds:F3},\"fit_rows_per_s\":{rows / fitSeconds:F0},\"epoch_seconds\":{epochSeconds:F3},\"epoch_rows_per_s\":{rows / epochSeconds:F0}," +
            $"\"peak_working_set_mb\":{process.PeakWorkingSet64 / 1048576.0:F1}}}"));
        return 0;
    }

    private static void Write(string path, int rows)
    {
        var random = new Random(1);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        writer.Write("x1,x2,x3,x4,x5,city,y,z\n");
        var sb = new StringBuilder();
        for (int r = 0; r < rows; r++)
        {
            sb.Clear();
            double x1 = random.NextDouble() * 10, x2 = random.NextDouble() - 0.5, x3 = Math.Exp(random.NextDouble() * 5);
            double x4 = -Math.Log(1 - random.NextDouble()), x5 = random.NextDouble() * 100;
            foreach (double v in new[] { x1, x2, x3, x4, x5 })
                sb.Append(random.NextDouble() < 0.05 ? "" : Math.Round(v, 4).ToString("R", CultureInfo.InvariantCulture)).Append(',');
            sb.Append(Cities[random.Next(Cities.Length)]).Append(',');
            double y = 2 * x1 - 3 * x2 + Math.Log(x3) + x4 + random.NextDouble();
            sb.Append(random.NextDouble() < 0.1 ? "" : Math.Round(y, 4).ToString("R", CultureInfo.InvariantCulture)).Append(',');
            sb.Append(random.NextDouble() < 0.1 ? "" : (x1 + x4 > 6 ? "1" : "0")).Append('\n');
            writer.Write(sb);
        }
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
