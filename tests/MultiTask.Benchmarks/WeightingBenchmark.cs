using System.Diagnostics;
using System.Globalization;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Weighting;

namespace MultiTask.Benchmarks;

/// <summary>
/// The per-step cost of every loss-weighting strategy: W1 (2 tasks, shared 8→64→64, heads 64→32→1, masked MSE,
/// Adam, batch 64) trained through <see cref="LossWeighting.Backward"/> for a fixed number of steps with each
/// strategy. Each round trains every strategy once, from the same initial model and batches, in turn, so load
/// changes on a shared machine spread over all of them; a strategy's figure is the median of its single-step
/// times over all rounds (after a warm-up of at least 3 s over all of them), and the ratio divides it by <see cref="EqualWeighting"/>'s.
/// </summary>
public static class WeightingBenchmark
{
    private static readonly string[] s_tasks = ["t1", "t2"];

    private static readonly (string Name, Func<LossWeighting> Create)[] s_strategies =
    [
        ("EqualWeighting", () => new EqualWeighting()),
        ("StaticWeighting", () => new StaticWeighting(new Dictionary<string, double> { ["t1"] = 1.0, ["t2"] = 0.5 })),
        ("UncertaintyWeighting", () => new UncertaintyWeighting()),
        ("DynamicWeightAverage", () => new DynamicWeightAverage()),
        ("GradNorm", () => new GradNorm()),
        ("Gls", () => new Gls()),
        ("Rlw", () => new Rlw(seed: 1)),
        ("Famo", () => new Famo()),
        ("Stch", () => new Stch()),
        ("ImtlL", () => new ImtlL()),
        ("ExcessMtl", () => new ExcessMtl()),
        ("DbMtl", () => new DbMtl()),
        ("PCGrad", () => new PCGrad(seed: 1)),
        ("Mgda", () => new Mgda()),
        ("CAGrad", () => new CAGrad()),
        ("ImtlG", () => new ImtlG()),
        ("NashMtl", () => new NashMtl()),
        ("UPGrad", () => new UPGrad()),
        ("DualProj", () => new DualProj()),
        ("AlignedMtl", () => new AlignedMtl()),
        ("GradVac", () => new GradVac(seed: 1)),
        ("GradDrop", () => new GradDrop(seed: 1)),
        ("ConFig", () => new ConFig()),
        ("FairGrad", () => new FairGrad()),
        ("MoCo", () => new MoCo()),
    ];

    /// <summary>Options: --steps N (per strategy and round, default 300), --rounds N (default 5), --only Name[,Name].</summary>
    public static int Run(string[] args)
    {
        int steps = IntOption(args, "--steps") ?? 300;
        int rounds = IntOption(args, "--rounds") ?? 5;
        var only = Option(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var missing = typeof(LossWeighting).Assembly.GetTypes()
            .Where(t => t.IsPublic && t.IsClass && !t.IsAbstract && t.IsSubclassOf(typeof(LossWeighting)))
            .Select(t => t.Name).Except(s_strategies.Select(s => s.Name)).ToList();
        if (missing.Count > 0)
        {
            Console.Error.WriteLine($"No benchmark entry for {string.Join(", ", missing)}; add one to WeightingBenchmark.");
            return 2;
        }
        var chosen = s_strategies.Where(s => only is null || only.Contains(s.Name) || s.Name == "EqualWeighting").ToArray();

        var w = TrainingBenchmark.W1;
        var data = new TrainingBenchmark.TabularData(w, new Random(1234));
        // Tiered compilation settles only after every strategy's code has run for a while: warm up on all of them.
        Timing.WarmUp(() =>
        {
            foreach (var (_, create) in chosen) Train(w, data, create(), 100, null);
        }, seconds: 3);

        var times = chosen.ToDictionary(s => s.Name, _ => new List<double>());
        var sw = Stopwatch.StartNew();
        for (int round = 0; round < rounds; round++)
            foreach (var (name, create) in chosen)
                Train(w, data, create(), steps, times[name]);
        double equal = Timing.Median(times["EqualWeighting"]);
        foreach (var (name, _) in chosen)
        {
            double median = Timing.Median(times[name]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"side\":\"engine\",\"workload\":\"weighting-W1\",\"strategy\":\"{name}\",\"step_ms\":{1000 * median:F4},\"ratio\":{median / equal:F2},\"steps\":{times[name].Count}}}"));
        }
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rounds} rounds × {steps} steps × {chosen.Length} strategies in {sw.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }

    /// <summary>Trains a fresh W1 model (always the same initial weights and batches) with <paramref name="weighting"/>, recording each step's seconds.</summary>
    private static void Train(TrainingBenchmark.Workload w, TrainingBenchmark.TabularData data, LossWeighting weighting, int steps, List<double>? times)
    {
        var model = new TrainingBenchmark.Mlp(w, new Generator(2));
        var lastShared = model.SharedParams[^2..];
        var context = new WeightingContext(s_tasks, model.SharedParams, lastShared, [TaskKind.Regression, TaskKind.Regression]);
        weighting.Initialize(context);
        var optimizer = new Adam(model.SharedParams.Concat(model.HeadParams.SelectMany(p => p)).Concat(weighting.Parameters()), lr: 1e-3);
        var loss = new MseLoss();
        var rng = new Random(7);
        var perm = Enumerable.Range(0, w.Rows).ToArray();
        var idx = new int[w.Batch];
        var xb = new float[w.Batch * w.Features];
        var losses = new Tensor?[w.Tasks];
        int step = 0;
        while (step < steps)
        {
            rng.Shuffle(perm);
            for (int start = 0; start + w.Batch <= w.Rows && step < steps; start += w.Batch, step++)
            {
                Array.Copy(perm, start, idx, 0, w.Batch);
                for (int r = 0; r < w.Batch; r++) Array.Copy(data.X, idx[r] * w.Features, xb, r * w.Features, w.Features);
                long begin = Stopwatch.GetTimestamp();
                var h = model.Shared.Forward(Tensor.FromArray(xb, w.Batch, w.Features));
                for (int t = 0; t < w.Tasks; t++)
                {
                    var pred = model.Heads[t].Forward(h);
                    losses[t] = loss.Forward(pred, TrainingBenchmark.Gather(data.Y[t], idx), TrainingBenchmark.Gather(data.W[t], idx));
                }
                optimizer.ZeroGrad();
                weighting.Backward(losses, context);
                optimizer.Step();
                weighting.AfterOptimizerStep(context);
                context.Step++;
                times?.Add(Stopwatch.GetElapsedTime(begin).TotalSeconds);
            }
        }
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int? IntOption(string[] args, string name) =>
        Option(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;
}
