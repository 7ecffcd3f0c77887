namespace MultiTask.Benchmarks;

/// <summary>Runs one benchmark workload per sub-command: <c>dotnet run -c Release --project tests/MultiTask.Benchmarks -- gemm</c>.</summary>
public static class Program
{
    private static readonly Dictionary<string, (string Description, Func<string[], int> Run)> Commands = new()
    {
        ["gemm"] = ("G: SGEMM (A·B, A·Bᵀ, Aᵀ·B) against OpenBLAS cblas_sgemm. Options: --reps N, --max-size N, --min-time-ms N, --only MxKxN, --path Vector512|Vector256|Vector128|Scalar", GemmBenchmark.Run),
        ["w1"] = ("W1 tabular-small: 2 tasks, shared 8→64→64, heads 64→32→1, masked MSE, Adam; 20,000 rows, 3 epochs, batch 64. Options: --epochs N", a => TrainingBenchmark.Run("w1", a)),
        ["w2"] = ("W2 MMoE: Ma et al. synthetic d=100, 8 experts 100→16, 2 gates and towers 16→8→1, Adam; 10,000 rows, 5 epochs, batch 128. Options: --epochs N", a => TrainingBenchmark.Run("w2", a)),
        ["w3"] = ("W3 wide: 4 tasks, shared 512→1024→1024→1024, heads 1024→32→1, Adam; 8,192 rows, 1 epoch, batch 256. Options: --epochs N", a => TrainingBenchmark.Run("w3", a)),
        ["w5"] = ("W5 end-to-end Fit: the trainer on Ames (2,930 rows, 14 features, 5 building-type tasks), 32-32 layers, full batch, Adam, 300 epochs. Options: --epochs N, --architecture hard|cross-stitch, --cold (time the first Fit of the process)", a => TrainingBenchmark.Run("w5", a)),
        ["inference"] = ("I: W1 inference, engine vs ONNX Runtime on the exported model, batch 1 and 1,024, one thread and all. Options: --rounds N", InferenceBenchmark.Run),
        ["w4"] = ("W4 balancing overhead: W1 or W3 with one Autograd.Grad call per task, against the plain summed loss. Options: --base W1|W3, --epochs N", a => TrainingBenchmark.Run("w4", a)),
        ["data"] = ("D: CSV → encoded tensors, library vs pandas + scikit-learn on a seeded 1,000,000-row file, each run a fresh process (rows/s, peak memory). Options: --rows N, --rounds N", DataBenchmark.Run),
        ["data-run"] = ("One library run of D on a CSV file (used by 'data'): prints seconds and peak MB. Arguments: FILE", DataBenchmark.RunOnce),
        ["streaming"] = ("S: streaming a 1,000,000-row CSV and its Parquet copy (rows/s of the encoder's fitting pass and of a shuffled epoch) and peak working set against the in-memory load, each in a fresh process. Options: --rows N, --dir PATH, --buffer N, --chunk N", StreamingBenchmark.Run),
        ["streaming-child"] = ("(internal) one measurement of the streaming benchmark in this process", StreamingBenchmark.Child),
        ["weighting"] = ("Per-step cost of every LossWeighting strategy on W1, median step time and ratio to EqualWeighting. Options: --steps N, --rounds N, --only Name[,Name]", WeightingBenchmark.Run),
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Commands.TryGetValue(args[0], out var command))
        {
            Console.Error.WriteLine("usage: MultiTask.Benchmarks <workload> [options]");
            foreach (var (name, (description, _)) in Commands)
                Console.Error.WriteLine($"  {name,-8} {description}");
            return args.Length == 0 ? 1 : 2;
        }
        return command.Run(args[1..]);
    }
}
