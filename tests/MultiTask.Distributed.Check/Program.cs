using System.Diagnostics;
using System.Globalization;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Distributed.Check;

/// <summary>
/// Checks data-parallel training on a real MPI job, run as <c>mpiexec -np N dotnet MultiTask.Distributed.Check.dll MODE</c>:
/// <list type="bullet">
/// <item><c>verify [--weighting equal|uncertainty|pcgrad|mgda] [--rows N] [--epochs N]</c>: trains a two-task model on
/// the ranks and, on every rank, in one process on the same global batches; exits 1 unless the models agree within the
/// tolerance and every rank holds the same bits.</item>
/// <item><c>fail [--fail-rank R] [--fail-step S] [--how exit|kill|throw]</c>: rank R exits abruptly (exit code 3, or SIGKILL; no MPI
/// shutdown) or throws after step S of a long run; the job must end, not hang.</item>
/// <item><c>bench --workload w3|tabular [--rows N] [--epochs N] [--threads N]</c>: samples per second of the last epoch
/// and the time spent in reductions.</item>
/// <item><c>allreduce [--values N] [--reps N]</c>: the time of one sum of N floats over the ranks, alone.</item>
/// </list>
/// </summary>
public static class Program
{
    /// <summary>Largest difference allowed between a parameter trained on the ranks and in one process.</summary>
    private const float Tolerance = 1e-5f;

    public static int Main(string[] args) => MpiProcessGroup.Run(args, (group, rest) =>
    {
        if (rest.Length == 0)
        {
            Console.Error.WriteLine("usage: MultiTask.Distributed.Check verify|fail|bench [options]");
            return 2;
        }
        var options = Options(rest[1..]);
        return rest[0] switch
        {
            "verify" => Verify(group, options),
            "fail" => Fail(group, options),
            "bench" => Bench(group, options),
            "allreduce" => AllReduce(group, options),
            _ => throw new ArgumentException($"Unknown mode '{rest[0]}'; use verify, fail or bench."),
        };
    });

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Expected an option, got '{args[i]}'.");
            options[args[i][2..]] = args[i + 1];
        }
        return options;
    }

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static LossWeighting Weighting(string name) => name switch
    {
        "equal" => new EqualWeighting(),
        "uncertainty" => new UncertaintyWeighting(),
        "pcgrad" => new PCGrad(seed: 3),
        "mgda" => new Mgda(),
        _ => throw new ArgumentException($"Unknown weighting '{name}'."),
    };

    private static TrainerOptions TrainerOptions(string weighting, int epochs, int batch, ProcessGroup? group, IReadOnlyList<Callback>? callbacks = null, int? threads = 1) => new()
    {
        Epochs = epochs, BatchSize = batch, Seed = 17, MaxThreads = threads,
        Optimizer = new AdamOptions { LearningRate = 3e-3 },
        Weighting = Weighting(weighting),
        ProcessGroup = group,
        Callbacks = callbacks ?? [],
    };

    private static float[] Flat(MultiTaskModel model) => [.. model.Parameters().SelectMany(p => p.ToArray())];

    private static int Verify(MpiProcessGroup group, Dictionary<string, string> options)
    {
        string weighting = options.GetValueOrDefault("weighting", "uncertainty");
        int rows = Int(options, "rows", 1000), epochs = Int(options, "epochs", 3);
        var train = Workloads.TwoTasks(rows, 8, seed: 11);
        var validation = Workloads.TwoTasks(300, 8, seed: 12);
        MultiTaskModel Build() => MultiTaskModel.HardSharing(train.Encoder.Width, [("y", 1), ("c", 1)], backbone: [32, 16], generator: new Generator(1));

        var distributed = Build();
        var report = new MultiTaskTrainer(distributed, TrainerOptions(weighting, epochs, 64, group)).Fit(train, validation);
        var single = Build();
        var singleReport = new MultiTaskTrainer(single, TrainerOptions(weighting, epochs, 64, null)).Fit(train, validation);

        var mine = Flat(distributed);
        var reference = Flat(single);
        float maxDiff = 0;
        for (int i = 0; i < mine.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(mine[i] - reference[i]));
        // Every rank must hold rank 0's bits: compare with a broadcast copy.
        var root = (float[])mine.Clone();
        group.Broadcast(root, 0);
        int differing = Enumerable.Range(0, mine.Length).Count(i => BitConverter.SingleToInt32Bits(mine[i]) != BitConverter.SingleToInt32Bits(root[i]));
        double valLoss = report.History[^1].Values["val_loss"], singleValLoss = singleReport.History[^1].Values["val_loss"];
        bool ok = maxDiff <= Tolerance && differing == 0 && Math.Abs(valLoss - singleValLoss) <= 1e-4 * Math.Max(1, Math.Abs(singleValLoss));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rank {group.Rank}/{group.Size} {weighting}: {mine.Length} parameters, max |ranks - one process| = {maxDiff:G3} (tolerance {Tolerance:G3}), " +
            $"parameters differing from rank 0: {differing}, val_loss {valLoss:G9} vs {singleValLoss:G9}: {(ok ? "OK" : "MISMATCH")}"));
        Span<double> failures = [ok ? 0 : 1];
        group.AllReduceSum(failures);
        return failures[0] == 0 ? 0 : 1;
    }

    private static int Fail(MpiProcessGroup group, Dictionary<string, string> options)
    {
        int failRank = Int(options, "fail-rank", 1), failStep = Int(options, "fail-step", 5);
        var train = Workloads.TwoTasks(2000, 8, seed: 11);
        var model = MultiTaskModel.HardSharing(train.Encoder.Width, [("y", 1), ("c", 1)], backbone: [32, 16], generator: new Generator(1));
        var die = new ExitAt(group.Rank == failRank ? failStep : -1, options.GetValueOrDefault("how", "exit"));
        // Long enough that the surviving ranks would train for many minutes if the job did not end.
        new MultiTaskTrainer(model, TrainerOptions("equal", 100_000, 16, group, [die])).Fit(train);
        Console.WriteLine($"rank {group.Rank}: training finished although rank {failRank} died");
        return 0;
    }

    /// <summary>Ends the process abruptly after a given step, as a crash would: no exception, no MPI shutdown.</summary>
    private sealed class ExitAt(long step, string how) : Callback
    {
        public override void OnBatchEnd(TrainingContext context)
        {
            if (context.GlobalStep != step) return;
            if (how == "throw") throw new InvalidOperationException($"failure test: an exception after step {step}");
            Console.Error.WriteLine($"rank exiting abruptly after step {step} (failure test, {(how == "kill" ? "SIGKILL" : "exit code 3")})");
            Console.Error.Flush();
            if (how == "kill") Process.GetCurrentProcess().Kill();
            Environment.Exit(3);
        }
    }

    private static int Bench(MpiProcessGroup mpi, Dictionary<string, string> options)
    {
        string workload = options.GetValueOrDefault("workload", "w3");
        int? threads = options.TryGetValue("threads", out var t) ? int.Parse(t, CultureInfo.InvariantCulture) : null;
        var group = new TimedProcessGroup(mpi);
        EncodedData train;
        MultiTaskModel model;
        int batch, epochs;
        if (workload == "w3")
        {
            train = Workloads.Wide(Int(options, "rows", 8192), 512, 4, seed: 3);
            model = MultiTaskModel.HardSharing(train.Encoder.Width, [.. Enumerable.Range(0, 4).Select(i => ($"t{i}", 1))], backbone: [1024, 1024, 1024], head: [32],
                generator: new Generator(2));
            (batch, epochs) = (256, Int(options, "epochs", 2));
        }
        else if (workload == "tabular")
        {
            train = Workloads.TwoTasks(Int(options, "rows", 1_000_000), 16, seed: 5);
            model = MultiTaskModel.HardSharing(train.Encoder.Width, [("y", 1), ("c", 1)], backbone: [128, 64], head: [32], generator: new Generator(2));
            (batch, epochs) = (Int(options, "batch", 512), Int(options, "epochs", 2));
        }
        else
        {
            throw new ArgumentException($"Unknown workload '{workload}'; use w3 or tabular.");
        }
        var timer = new EpochTimer(group);
        var options2 = TrainerOptions("equal", epochs, batch, group.Size > 1 ? group : null, [timer], threads);
        new MultiTaskTrainer(model, options2).Fit(train);
        // The last epoch, after the first warmed up the JIT and the buffers.
        var (seconds, reducing, reductions, values) = timer.Last;
        double samples = train.RowCount / seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rank {group.Rank}/{group.Size} {workload} rows {train.RowCount} batch {batch} threads {threads?.ToString(CultureInfo.InvariantCulture) ?? "all"}: " +
            $"epoch {seconds:F2} s, {samples:F0} samples/s, steps {timer.Steps}, step {1000 * seconds / timer.Steps:F2} ms, " +
            $"reducing {1000 * reducing / timer.Steps:F3} ms/step ({100 * reducing / seconds:F1}%), {reductions / timer.Steps} reductions and {values / timer.Steps} values per step"));
        return 0;
    }

    private static int AllReduce(MpiProcessGroup group, Dictionary<string, string> options)
    {
        int values = Int(options, "values", 1_000_000), reps = Int(options, "reps", 50);
        var buffer = new float[values];
        for (int i = 0; i < 5; i++) group.AllReduceSum(buffer);
        var times = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            group.Barrier();
            long start = Stopwatch.GetTimestamp();
            group.AllReduceSum(buffer);
            times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rank {group.Rank}/{group.Size} allreduce of {values} floats: median {times[reps / 2]:F3} ms, min {times[0]:F3} ms, {values * 4.0 / 1e6 / (times[reps / 2] / 1000):F0} MB/s"));
        return 0;
    }

    /// <summary>Times each epoch and the reductions inside it.</summary>
    private sealed class EpochTimer(TimedProcessGroup group) : Callback
    {
        private long _start;
        private TimeSpan _reducingAtStart;
        private long _reductionsAtStart, _valuesAtStart;

        public (double Seconds, double Reducing, long Reductions, long Values) Last { get; private set; }

        public int Steps { get; private set; }

        public override void OnEpochBegin(TrainingContext context)
        {
            _start = Stopwatch.GetTimestamp();
            _reducingAtStart = group.Reducing;
            _reductionsAtStart = group.Reductions;
            _valuesAtStart = group.Values;
            Steps = 0;
        }

        public override void OnBatchEnd(TrainingContext context) => Steps++;

        public override void OnEpochEnd(TrainingContext context) =>
            Last = (Stopwatch.GetElapsedTime(_start).TotalSeconds, (group.Reducing - _reducingAtStart).TotalSeconds,
                group.Reductions - _reductionsAtStart, group.Values - _valuesAtStart);
    }
}
