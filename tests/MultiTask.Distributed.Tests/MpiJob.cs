using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;

namespace MultiTask.Distributed.Tests;

/// <summary>Runs tests/MultiTask.Distributed.Check as the ranks of an <c>mpiexec</c> job.</summary>
internal static class MpiJob
{
    /// <summary>The mpiexec on the PATH, or null.</summary>
    public static string? MpiExec { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, "mpiexec"))
        .FirstOrDefault(File.Exists);

    public const string Missing = "mpiexec is not installed, so no MPI job can run: apt-get install mpich libmpich-dev (.ci/run installs it).";

    /// <summary>Runs the check program on <paramref name="ranks"/> ranks; kills the job and fails if it runs longer than <paramref name="limit"/>.</summary>
    public static (int ExitCode, string Output, TimeSpan Elapsed) Run(int ranks, TimeSpan limit, params string[] args)
    {
        string config = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string dll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "MultiTask.Distributed.Check", "bin", config, "net10.0",
            "MultiTask.Distributed.Check.dll"));
        File.Exists(dll).Should().BeTrue($"the check program is built with the tests ({dll})");
        var info = new ProcessStartInfo(MpiExec!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", dll }.Concat(args))
            info.ArgumentList.Add(arg);
        var lines = new ConcurrentQueue<string>();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"The MPI job ran longer than {limit} and was killed (a hang). Output:\n{string.Join('\n', lines)}");
        }
        process.WaitForExit();
        return (process.ExitCode, string.Join('\n', lines), watch.Elapsed);
    }
}

/// <summary>A test that needs mpiexec; skipped, saying what to install, where it is missing.</summary>
internal sealed class MpiTheoryAttribute : TheoryAttribute
{
    public MpiTheoryAttribute()
    {
        if (MpiJob.MpiExec is null) Skip = MpiJob.Missing;
    }
}
