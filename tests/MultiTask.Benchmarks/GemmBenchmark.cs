using System.Globalization;
using MultiTask.Engine.Kernels;

namespace MultiTask.Benchmarks;

/// <summary>Workload G: single-precision GEMM throughput of the engine against OpenBLAS, 1 and 2 threads.</summary>
public static class GemmBenchmark
{
    private sealed record Shape(int M, int K, int N)
    {
        public override string ToString() => M == K && K == N ? $"{M}³" : $"{M}×{K}×{N}";
    }

    public static int Run(string[] args)
    {
        int reps = IntOption(args, "--reps", 5);
        int maxSize = IntOption(args, "--max-size", 2048);
        double minTime = IntOption(args, "--min-time-ms", 40) / 1000.0;

        int pathIndex = Array.IndexOf(args, "--path");
        if (pathIndex >= 0 && pathIndex + 1 < args.Length)
            Gemm.ForcedPath = Enum.Parse<GemmPath>(args[pathIndex + 1], ignoreCase: true);

        var shapes = new List<Shape> { new(64, 8, 64) };
        foreach (int s in new[] { 64, 128, 256, 512, 1024, 2048 })
            if (s <= maxSize) shapes.Add(new(s, s, s));
        shapes.Add(new(256, 512, 1024));
        int only = Array.IndexOf(args, "--only");
        if (only >= 0 && only + 1 < args.Length)
        {
            var dims = args[only + 1].Split('x').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
            shapes = [new(dims[0], dims[1], dims[2])];
        }

        Console.WriteLine($"# G: SGEMM, GFLOP/s (median of {reps} samples of >= {minTime * 1000:F0} ms after warm-up)");
        var path = Gemm.ForcedPath == GemmPath.Auto ? Gemm.BestPath : Gemm.ForcedPath;
        Console.WriteLine($"# engine path {path}, {Environment.ProcessorCount} logical CPUs");
        Console.WriteLine(OpenBlas.IsAvailable
            ? $"# OpenBLAS: {OpenBlas.LibraryName}, core {OpenBlas.CoreName ?? "?"}, config {OpenBlas.Config ?? "?"}"
            : "# OpenBLAS not found (install libopenblas0-pthread); ratios are skipped");
        Console.WriteLine();
        Console.WriteLine("| form | m×k×n | ours 1T | OpenBLAS 1T | ratio 1T | ours 2T | OpenBLAS 2T | ratio 2T |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");

        foreach (var (form, ta, tb) in new[] { ("A·B", false, false), ("A·Bᵀ", false, true), ("Aᵀ·B", true, false) })
            foreach (var shape in shapes)
                RunCase(form, ta, tb, shape, reps, minTime);
        return 0;
    }

    private static void RunCase(string form, bool transA, bool transB, Shape s, int reps, double minTime)
    {
        var rng = new Random(42);
        var a = new float[s.M * s.K];
        var b = new float[s.K * s.N];
        var c = new float[s.M * s.N];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() - 0.5);
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() - 0.5);
        double flops = 2.0 * s.M * s.K * s.N;

        var contenders = new List<(string Name, Action Setup, Action Call)>
        {
            ("ours1", () => Gemm.MaxThreads = 1, () => Gemm.Multiply(a, transA, b, transB, c, s.M, s.K, s.N)),
            ("ours2", () => Gemm.MaxThreads = 2, () => Gemm.Multiply(a, transA, b, transB, c, s.M, s.K, s.N)),
        };
        if (OpenBlas.IsAvailable)
        {
            contenders.Add(("blas1", () => OpenBlas.SetThreads(1), () => OpenBlas.Sgemm(a, transA, b, transB, c, s.M, s.K, s.N)));
            contenders.Add(("blas2", () => OpenBlas.SetThreads(2), () => OpenBlas.Sgemm(a, transA, b, transB, c, s.M, s.K, s.N)));
        }

        var calls = new int[contenders.Count];
        var samples = contenders.Select(_ => new List<double>()).ToArray();
        for (int i = 0; i < contenders.Count; i++)
        {
            contenders[i].Setup();
            Timing.WarmUp(contenders[i].Call);
            calls[i] = Timing.CallsPerSample(contenders[i].Call, minTime);
        }

        // Alternating the contenders within each round spreads machine noise evenly over them.
        for (int r = 0; r < reps; r++)
            for (int i = 0; i < contenders.Count; i++)
            {
                contenders[i].Setup();
                samples[i].Add(Timing.Sample(contenders[i].Call, calls[i]));
                // OpenBLAS worker threads spin for a while after a call; let them park before timing us again.
                if (contenders[i].Name == "blas2") Thread.Sleep(100);
            }
        Gemm.MaxThreads = Environment.ProcessorCount;
        if (OpenBlas.IsAvailable) CheckAgainstOpenBlas(a, transA, b, transB, s);

        double Gflops(int i) => flops / Timing.Median(samples[i]) / 1e9;
        string Cell(int i) => i < contenders.Count ? Gflops(i).ToString("F1", CultureInfo.InvariantCulture) : "–";
        string Ratio(int ours, int blas) => blas < contenders.Count ? (Gflops(ours) / Gflops(blas)).ToString("F2", CultureInfo.InvariantCulture) : "–";
        Console.WriteLine($"| {form} | {s} | {Cell(0)} | {Cell(2)} | {Ratio(0, 2)} | {Cell(1)} | {Cell(3)} | {Ratio(1, 3)} |");
    }

    /// <summary>A fast kernel that is wrong is worthless: compare with OpenBLAS on the benchmark's own data.</summary>
    private static void CheckAgainstOpenBlas(float[] a, bool transA, float[] b, bool transB, Shape s)
    {
        var ours = new float[s.M * s.N];
        var theirs = new float[s.M * s.N];
        Gemm.Multiply(a, transA, b, transB, ours, s.M, s.K, s.N);
        OpenBlas.Sgemm(a, transA, b, transB, theirs, s.M, s.K, s.N);
        double worst = 0;
        for (int i = 0; i < ours.Length; i++)
            worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]));
        // Entries are sums of k products of values in [-0.5, 0.5], so their size grows like sqrt(k).
        double tolerance = 1e-5 * Math.Sqrt(s.K) * Math.Max(1, Math.Sqrt(s.K) / 4);
        if (worst > tolerance)
            Console.WriteLine($"  WARNING: max |ours - OpenBLAS| = {worst:G3} exceeds {tolerance:G3} for {s}");
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
