using System.Diagnostics;
using System.Globalization;
using FluentAssertions;
using Xunit.Abstractions;

namespace MultiTask.Tests.Data.Streaming;

/// <summary>
/// Peak memory of streaming training is bounded by the buffer, not the data: a fresh process
/// (tests/MultiTask.StreamingMemoryCheck) fits the encoder on a CSV file larger than the cap and trains an epoch on it,
/// and its peak working set must stay under the cap, and grow by little when the file grows fourfold.
/// </summary>
/// <remarks>
/// The peak working set (Linux: VmHWM, the peak resident set) of a fresh process is measured rather than the GC heap: it
/// counts everything the process holds — runtime, JIT, native buffers and the managed heap at its fullest between
/// collections — so it is what a memory limit (a container's) sees. The file's pages in the OS cache are not part of it.
/// </remarks>
public sealed class StreamingMemoryTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The stated cap: the in-memory load of the large file peaks near 900 MB.</summary>
    private const long CapBytes = 150L << 20;

    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-streaming-memory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void StreamingTraining_OnAFileLargerThanTheCap_PeaksUnderTheCap()
    {
        string small = Path.Combine(_dir, "small.csv"), large = Path.Combine(_dir, "large.csv");
        // A wide text column the schema does not use makes the file large without making the test slow; it is
        // tokenized on every pass but never parsed into strings.
        StreamingTestData.Write(small, 250_000, seed: 1, quantileEncodings: false, fillerLength: 200);
        StreamingTestData.Write(large, 1_000_000, seed: 1, quantileEncodings: false, fillerLength: 200);
        long size = new FileInfo(large).Length;
        size.Should().BeGreaterThan(CapBytes + (50L << 20), "the file must not fit under the cap");

        var (smallRows, smallPeak) = Run(small);
        var (largeRows, largePeak) = Run(large);
        output.WriteLine($"file {size / 1e6:F0} MB, cap {CapBytes / 1e6:F0} MB; peak working set {smallPeak / 1e6:F1} MB at {smallRows:N0} rows, {largePeak / 1e6:F1} MB at {largeRows:N0} rows");
        largeRows.Should().BeGreaterThan(900_000);
        largePeak.Should().BeLessThan(CapBytes);
        (largePeak - smallPeak).Should().BeLessThan(40L << 20, "four times the rows must not mean much more memory");
    }

    private (long Rows, long Peak) Run(string csv)
    {
        string config = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string dll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "MultiTask.StreamingMemoryCheck", "bin", config, "net10.0", "MultiTask.StreamingMemoryCheck.dll"));
        File.Exists(dll).Should().BeTrue($"the child process is built with the tests ({dll})");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, csv, "stream", "16384", "8192" }) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, stderr.Result);
        output.WriteLine(stdout.Trim());
        var fields = stdout.Trim().Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        return (long.Parse(fields["rows"], CultureInfo.InvariantCulture), long.Parse(fields["peak_working_set"], CultureInfo.InvariantCulture));
    }
}
