namespace MultiTask.Benchmarks;

/// <summary>Runs one benchmark workload per sub-command: <c>dotnet run -c Release --project tests/MultiTask.Benchmarks -- gemm</c>.</summary>
public static class Program
{
    private static readonly Dictionary<string, (string Description, Func<string[], int> Run)> Commands = new()
    {
        ["gemm"] = ("G: SGEMM (A·B, A·Bᵀ, Aᵀ·B) against OpenBLAS cblas_sgemm. Options: --reps N, --max-size N, --min-time-ms N, --only MxKxN, --path Vector512|Vector256|Vector128|Scalar", GemmBenchmark.Run),
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
