using System.Diagnostics;
using System.Globalization;
using MultiTask.Architectures;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

namespace MultiTask.Benchmarks;

/// <summary>
/// W1–W4: whole training runs of small multi-task models (Linear, Sequential, Relu, masked MSE, Adam,
/// Autograd.Grad; W2 is the library's MmoeModel). Data and models are built outside the timed region; a warm-up of
/// at least 1.5 s on a separate model lets tiered compilation settle first. Prints one JSON line per measurement
/// so that <c>tests/reference/compare.py</c> can pair it with the PyTorch figures.
/// </summary>
public static class TrainingBenchmark
{
    internal sealed record Workload(string Name, int Rows, int Features, int Epochs, int Batch, int[] Shared, int[] Head, int Tasks, bool Masked);

    internal static readonly Workload W1 = new("W1", 20_000, 8, 3, 64, [64, 64], [32], 2, Masked: true);
    private static readonly Workload W3 = new("W3", 8_192, 512, 1, 256, [1024, 1024, 1024], [32], 4, Masked: false);

    /// <summary>Runs workload <c>w1</c>, <c>w2</c>, <c>w3</c>, <c>w4</c> or <c>w5</c>. Options: --base W1|W3 (w4), --architecture hard|cross-stitch and --cold (w5: the first Fit of the process, compilation included), --epochs N.</summary>
    public static int Run(string name, string[] args)
    {
        string baseName = Option(args, "--base") ?? "W1";
        int? epochs = Option(args, "--epochs") is { } e ? int.Parse(e, CultureInfo.InvariantCulture) : null;
        switch (name)
        {
            case "w1": Report(TimeMlp(W1 with { Epochs = epochs ?? W1.Epochs }, perTask: false)); break;
            case "w3": Report(TimeMlp(W3 with { Epochs = epochs ?? W3.Epochs }, perTask: false)); break;
            case "w2": Report(TimeMmoe(epochs ?? 5)); break;
            case "w5": Report(TimeFit(epochs ?? 300, Option(args, "--architecture") ?? "hard", cold: args.Contains("--cold"))); break;
            case "w4":
                var w = baseName.Equals("W3", StringComparison.OrdinalIgnoreCase) ? W3 : W1;
                w = w with { Epochs = epochs ?? w.Epochs };
                var plain = TimeMlp(w, perTask: false);
                var perTask = TimeMlp(w, perTask: true);
                Report(plain);
                Report(perTask with
                {
                    Extra = string.Create(CultureInfo.InvariantCulture,
                        $",\"tasks\":{w.Tasks},\"plain_step_ms\":{plain.StepMs:F4},\"overhead\":{perTask.StepMs / (w.Tasks * plain.StepMs):F4}"),
                });
                break;
            default: return 2;
        }
        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    // ---- W5: the trainer's whole Fit on a small full-batch table ----

    /// <summary>
    /// W5: <see cref="MultiTask.Training.MultiTaskTrainer.Fit"/> on Ames (2,930 sales, 14 numeric features standardised, log
    /// price per building type: 5 tasks, each row labelled for one), hard sharing 32-32 with Linear heads, full batch, Adam
    /// 1e-3, no validation: everything a Fit does per epoch (batch, masks, history, metrics) against a plain PyTorch loop
    /// over the same tensors. The encoding is outside the timed region on both sides. <paramref name="architecture"/>
    /// <c>cross-stitch</c> trains a cross-stitch network with columns of the same widths instead (workload W5-cross-stitch).
    /// </summary>
    private static Result TimeFit(int epochs, string architecture, bool cold)
    {
        bool crossStitch = architecture.ToLowerInvariant() switch
        {
            "hard" => false,
            "cross-stitch" => true,
            _ => throw new ArgumentException($"Unknown --architecture '{architecture}'; use hard or cross-stitch.", nameof(architecture)),
        };
        var schema = AmesFeatures.Aggregate(new MultiTask.Data.FeatureSchema(), (s, f) => s.Numeric(f));
        var tasks = AmesTypes.Select(t => MultiTask.Tasks.TaskSpec.Regression(t, AmesFeatures, target: "Sale_Price")
            with { TargetTransform = MultiTask.Tasks.TargetTransform.Log }).ToArray();
        var data = MultiTask.Data.MultiTaskDataset.FromCsv(Repository.File("samples", "TabularComparison", "data", "ames.csv"), schema, tasks, new MultiTask.Data.CsvOptions
        {
            TaskColumn = "Bldg_Type", TaskValues = AmesTypes.ToDictionary(t => t, t => t),
        });
        var encoder = MultiTask.Data.FeatureEncoder.Fit(data);
        var encoded = encoder.Transform(data);
        MultiTaskModel Model() => crossStitch
            ? MultiTaskModel.CrossStitch(encoder, hidden: [32, 32], generator: new Generator(1))
            : MultiTaskModel.HardSharing(encoder, backbone: [32, 32], generator: new Generator(1));
        MultiTask.Training.MultiTaskTrainer Trainer(int n) => new(Model(),
            new MultiTask.Training.TrainerOptions { Epochs = n, BatchSize = MultiTask.Training.TrainerOptions.FullBatch, Seed = 1 });
        // --cold times the process's first Fit, JIT compilation included: what a short training script waits for.
        var warm = Stopwatch.StartNew();
        while (!cold && warm.Elapsed.TotalSeconds < 1.5) Trainer(20).Fit(encoded);
        var trainer = Trainer(epochs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var report = trainer.Fit(encoded);
        double seconds = watch.Elapsed.TotalSeconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        double loss = report.History[^1].Values.Where(v => v.Key.StartsWith("loss.", StringComparison.Ordinal)).Sum(v => v.Value);
        return new Result(crossStitch ? "W5-cross-stitch" : "W5", epochs * encoded.RowCount, epochs, seconds, (double)allocated / epochs, loss);
    }

    internal static readonly string[] AmesFeatures =
    [
        "Gr_Liv_Area", "Lot_Area", "Year_Built", "Year_Remod_Add", "Total_Bsmt_SF", "Full_Bath", "Half_Bath", "Bedroom_AbvGr",
        "TotRms_AbvGrd", "Fireplaces", "Garage_Cars", "Garage_Area", "Longitude", "Latitude",
    ];

    internal static readonly string[] AmesTypes = ["OneFam", "TwoFmCon", "Duplex", "Twnhs", "TwnhsE"];

    private sealed record Result(string Workload, int Samples, int Steps, double Seconds, double AllocPerStep, double FinalLoss, string Extra = "")
    {
        public double StepMs => 1000 * Seconds / Steps;
    }

    private static void Report(Result r)
    {
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"side\":\"engine\",\"workload\":\"{r.Workload}\",\"samples_per_s\":{r.Samples / r.Seconds:F1},\"step_ms\":{r.StepMs:F4}," +
            $"\"steps\":{r.Steps},\"alloc_bytes_per_step\":{r.AllocPerStep:F0},\"peak_mb\":{peak / 1048576.0:F1},\"final_loss\":{r.FinalLoss:G6}{r.Extra}}}"));
    }

    // ---- W1 / W3 / W4: hard parameter sharing ----

    internal sealed class Mlp
    {
        public readonly Sequential Shared;
        public readonly Sequential[] Heads;
        public readonly Parameter[] SharedParams;
        public readonly Parameter[][] HeadParams;
        public readonly Adam Optimizer;

        public Mlp(Workload w, Generator g)
        {
            Shared = new Sequential();
            int width = w.Features;
            foreach (int h in w.Shared)
            {
                Shared.Add(new Linear(width, h, generator: g)).Add(new Relu());
                width = h;
            }
            Heads = new Sequential[w.Tasks];
            for (int t = 0; t < w.Tasks; t++)
            {
                var head = new Sequential();
                int hw = width;
                foreach (int h in w.Head)
                {
                    head.Add(new Linear(hw, h, generator: g)).Add(new Relu());
                    hw = h;
                }
                head.Add(new Linear(hw, 1, generator: g));
                Heads[t] = head;
            }
            SharedParams = Shared.Parameters().ToArray();
            HeadParams = Heads.Select(h => h.Parameters().ToArray()).ToArray();
            Optimizer = new Adam(SharedParams.Concat(HeadParams.SelectMany(p => p)), lr: 1e-3);
        }
    }

    internal sealed class TabularData
    {
        public readonly float[] X;
        public readonly float[][] Y;
        public readonly float[][] W;

        public TabularData(Workload w, Random rng)
        {
            X = Normal(rng, w.Rows * w.Features);
            Y = new float[w.Tasks][];
            W = new float[w.Tasks][];
            for (int t = 0; t < w.Tasks; t++)
            {
                var coef = Normal(rng, w.Features);
                Y[t] = new float[w.Rows];
                W[t] = new float[w.Rows];
                for (int i = 0; i < w.Rows; i++)
                {
                    double s = 0;
                    for (int j = 0; j < w.Features; j++) s += coef[j] * X[i * w.Features + j];
                    Y[t][i] = (float)(Math.Sin(s) + 0.1 * s + 0.1 * NextNormal(rng));
                    bool missing = w.Masked && rng.NextDouble() < 0.3;
                    W[t][i] = missing ? 0f : 1f;
                    if (missing) Y[t][i] = float.NaN;
                }
            }
        }
    }

    private static Result TimeMlp(Workload w, bool perTask)
    {
        var data = new TabularData(w, new Random(1234));
        var warm = new Mlp(w, new Generator(1));
        WarmUp(() => TrainMlp(w, warm, data, perTask, maxSteps: 50));
        var model = new Mlp(w, new Generator(2));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var (steps, loss) = TrainMlp(w, model, data, perTask, maxSteps: int.MaxValue);
        double seconds = sw.Elapsed.TotalSeconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return new Result(perTask ? $"W4-{w.Name}" : w.Name, steps * w.Batch, steps, seconds, (double)allocated / steps, loss);
    }

    private static (int Steps, double Loss) TrainMlp(Workload w, Mlp model, TabularData data, bool perTask, int maxSteps)
    {
        var rng = new Random(7);
        var loss = new MseLoss();
        var perm = Enumerable.Range(0, w.Rows).ToArray();
        var idx = new int[w.Batch];
        int steps = 0;
        double last = 0;
        var xb = new float[w.Batch * w.Features];
        for (int epoch = 0; epoch < w.Epochs; epoch++)
        {
            rng.Shuffle(perm);
            for (int start = 0; start + w.Batch <= w.Rows && steps < maxSteps; start += w.Batch)
            {
                Array.Copy(perm, start, idx, 0, w.Batch);
                for (int r = 0; r < w.Batch; r++)
                    Array.Copy(data.X, idx[r] * w.Features, xb, r * w.Features, w.Features);
                var x = Tensor.FromArray(xb, w.Batch, w.Features);
                var h = model.Shared.Forward(x);
                var losses = new Tensor[w.Tasks];
                for (int t = 0; t < w.Tasks; t++)
                {
                    var y = Gather(data.Y[t], idx);
                    var pred = model.Heads[t].Forward(h);
                    losses[t] = w.Masked ? loss.Forward(pred, y, Gather(data.W[t], idx)) : loss.Forward(pred, y);
                }
                // Only the heads' recorded operations read the backbone's output now (Python frees it when its last
                // reference goes; here the loop says so), so backward can hand its storage to the next step.
                h.ReleaseAfterBackward();
                model.Optimizer.ZeroGrad();
                if (!perTask)
                {
                    var total = losses[0];
                    for (int t = 1; t < w.Tasks; t++) total = total + losses[t];
                    total.Backward();
                    last = total.Item();
                }
                else
                {
                    PerTaskGradients(model, losses);
                    last = 0;
                    foreach (var l in losses) last += l.Item();
                }
                model.Optimizer.Step();
                steps++;
            }
        }
        return (steps, last);
    }

    /// <summary>Each task's gradient of the shared parameters (and of its own head) by its own Autograd.Grad call, then their sum.</summary>
    private static void PerTaskGradients(Mlp model, Tensor[] losses)
    {
        int shared = model.SharedParams.Length;
        var sum = new Tensor[shared];
        for (int t = 0; t < losses.Length; t++)
        {
            var inputs = new Tensor[shared + model.HeadParams[t].Length];
            for (int i = 0; i < shared; i++) inputs[i] = model.SharedParams[i];
            for (int i = 0; i < model.HeadParams[t].Length; i++) inputs[shared + i] = model.HeadParams[t][i];
            var grads = Autograd.Grad([losses[t]], inputs, retainGraph: t < losses.Length - 1);
            for (int i = 0; i < shared; i++) sum[i] = t == 0 ? grads[i]! : sum[i] + grads[i]!;
            for (int i = 0; i < model.HeadParams[t].Length; i++) model.HeadParams[t][i].Grad = grads[shared + i];
        }
        for (int i = 0; i < shared; i++) model.SharedParams[i].Grad = sum[i];
    }

    internal static Tensor Gather(float[] column, int[] idx)
    {
        var values = new float[idx.Length];
        for (int i = 0; i < idx.Length; i++) values[i] = column[idx[i]];
        return Tensor.FromArray(values, idx.Length, 1);
    }

    // ---- W2: MMoE on Ma et al.'s synthetic data ----

    private const int MmoeD = 100, MmoeRows = 10_000, MmoeBatch = 128, Experts = 8, ExpertWidth = 16;

    /// <summary>The library's MMoE (8 experts 100→16, softmax gates, towers 16→8→1) and its Adam optimiser.</summary>
    private sealed class Mmoe
    {
        public readonly MmoeModel Model;
        public readonly Adam Optimizer;

        public Mmoe(Generator g)
        {
            Model = MmoeModel.Create(new ModelInput(MmoeD, [("t0", 1), ("t1", 1)]),
                new MmoeOptions { Experts = Experts, ExpertHidden = [ExpertWidth], TowerHidden = [8], Gate = ExpertGateKind.Softmax }, g);
            Optimizer = new Adam(Model.Parameters(), lr: 1e-3);
        }

        public Tensor[] Forward(Tensor x)
        {
            var outputs = Model.Forward(x);
            return [outputs["t0"], outputs["t1"]];
        }
    }

    /// <summary>Ma et al. (KDD'18) synthetic regression pair with task correlation <paramref name="p"/>.</summary>
    private static (float[] X, float[][] Y) MaSynthetic(Random rng, double p)
    {
        const int d = MmoeD;
        var u1 = Normal(rng, d);
        var u2 = Normal(rng, d);
        Normalize(u1);
        double dot = 0;
        for (int i = 0; i < d; i++) dot += u1[i] * u2[i];
        for (int i = 0; i < d; i++) u2[i] -= (float)(dot * u1[i]);
        Normalize(u2);
        var w1 = u1;
        var w2 = new float[d];
        for (int i = 0; i < d; i++) w2[i] = (float)(p * u1[i] + Math.Sqrt(1 - p * p) * u2[i]);
        var alpha = Normal(rng, 10);
        var beta = Normal(rng, 10);
        var x = Normal(rng, MmoeRows * d);
        var y = new[] { new float[MmoeRows], new float[MmoeRows] };
        for (int r = 0; r < MmoeRows; r++)
        {
            for (int t = 0; t < 2; t++)
            {
                var w = t == 0 ? w1 : w2;
                double s = 0;
                for (int i = 0; i < d; i++) s += w[i] * x[r * d + i];
                double v = s;
                for (int i = 0; i < 10; i++) v += Math.Sin(alpha[i] * s + beta[i]);
                y[t][r] = (float)(v + 0.1 * NextNormal(rng));
            }
        }
        return (x, y);
    }

    private static Result TimeMmoe(int epochs)
    {
        var (x, y) = MaSynthetic(new Random(1234), 0.5);
        var warm = new Mmoe(new Generator(1));
        WarmUp(() => TrainMmoe(warm, x, y, epochs, maxSteps: 50));
        var model = new Mmoe(new Generator(2));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var (steps, loss) = TrainMmoe(model, x, y, epochs, int.MaxValue);
        double seconds = sw.Elapsed.TotalSeconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return new Result("W2", steps * MmoeBatch, steps, seconds, (double)allocated / steps, loss);
    }

    private static (int Steps, double Loss) TrainMmoe(Mmoe model, float[] x, float[][] y, int epochs, int maxSteps)
    {
        var rng = new Random(7);
        var loss = new MseLoss();
        var perm = Enumerable.Range(0, MmoeRows).ToArray();
        var idx = new int[MmoeBatch];
        var xb = new float[MmoeBatch * MmoeD];
        int steps = 0;
        double last = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            rng.Shuffle(perm);
            for (int start = 0; start + MmoeBatch <= MmoeRows && steps < maxSteps; start += MmoeBatch)
            {
                Array.Copy(perm, start, idx, 0, MmoeBatch);
                for (int r = 0; r < MmoeBatch; r++) Array.Copy(x, idx[r] * MmoeD, xb, r * MmoeD, MmoeD);
                var preds = model.Forward(Tensor.FromArray(xb, MmoeBatch, MmoeD));
                var total = loss.Forward(preds[0], Gather(y[0], idx)) + loss.Forward(preds[1], Gather(y[1], idx));
                model.Optimizer.ZeroGrad();
                total.Backward();
                model.Optimizer.Step();
                last = total.Item();
                steps++;
            }
        }
        return (steps, last);
    }

    /// <summary>
    /// Trains the warm-up model for at least a second, long enough for tiered compilation to replace
    /// the first-call code with optimised code, so the timed run measures steady-state throughput.
    /// </summary>
    private static void WarmUp(Action run)
    {
        var sw = Stopwatch.StartNew();
        do run(); while (sw.Elapsed.TotalSeconds < 1.5);
    }

    // ---- data helpers ----

    private static float[] Normal(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)NextNormal(rng);
        return a;
    }

    private static double NextNormal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static void Normalize(float[] v)
    {
        double n = 0;
        foreach (var a in v) n += a * a;
        n = Math.Sqrt(n);
        for (int i = 0; i < v.Length; i++) v[i] = (float)(v[i] / n);
    }
}
