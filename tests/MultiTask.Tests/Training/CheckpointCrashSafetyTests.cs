using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;
using MultiTask.Training;
using Xunit.Abstractions;

namespace MultiTask.Tests.Training;

/// <summary>
/// kill -9 during training: a child process (tests/MultiTask.CrashSafety) trains with <see cref="ModelCheckpoint"/>, is killed with
/// SIGKILL at random points (while starting or resuming, during batches, and inside checkpoint writes) and restarted, which resumes
/// from the checkpoint; the final weights and history must be bit-identical to an uninterrupted run.
/// </summary>
/// <remarks>
/// MULTITASK_CRASH_KILLS sets the number of kills (default 6; e.g. 200 for a long run) and MULTITASK_CRASH_SEED the seed of the
/// kill schedule (default 1).
/// </remarks>
public sealed class CheckpointCrashSafetyTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(120);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "multitask-crash-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void KilledAtRandomPoints_AndResumed_EndsBitIdenticalToAnUninterruptedRun()
    {
        int kills = int.TryParse(Environment.GetEnvironmentVariable("MULTITASK_CRASH_KILLS"), out int k) && k > 0 ? k : 6;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("MULTITASK_CRASH_SEED"), out int s) ? s : 1;
        // Ample room for up to three kills per requested kill (the loop goes on until one lands inside a write): a child can run
        // several epochs before the parent reads their lines; a resumed run with fewer than 6 epochs left finishes instead.
        int epochs = 20 + 40 * kills;
        var random = new Random(seed);
        Directory.CreateDirectory(_root);

        using (var straight = Child.Start(Path.Combine(_root, "straight"), Path.Combine(_root, "straight.txt"), epochs))
            straight.WaitForSuccess();
        string expected = File.ReadAllText(Path.Combine(_root, "straight.txt"));

        string checkpoint = Path.Combine(_root, "resumed"), result = Path.Combine(_root, "resumed.txt");
        int killed = 0, inWrite = 0, betweenRenames = 0, starts = 0;
        while (true)
        {
            // A stale staging directory is deleted by the next save anyway; removing it here makes "it exists after the
            // kill" mean "the kill landed inside this run's checkpoint write".
            if (Directory.Exists(checkpoint + ".partial")) Directory.Delete(checkpoint + ".partial", recursive: true);
            using var child = Child.Start(checkpoint, result, epochs);
            starts++;
            int begin = child.WaitForBegin();
            bool wantMore = killed < kills || (inWrite == 0 && killed < 3 * kills);
            if (!wantMore || epochs - begin < 6)
            {
                child.WaitForSuccess();
                break;
            }
            int mode = inWrite == 0 && killed >= kills - 1 ? 0 : random.Next(3);
            if (mode == 0)
            {
                // Inside a checkpoint write: after an epoch's end line, as soon as the save's staging directory appears.
                child.WaitForEpoch(begin + random.Next(0, 3));
                var watch = Stopwatch.StartNew();
                while (!Directory.Exists(checkpoint + ".partial") && watch.Elapsed < TimeSpan.FromSeconds(1)) Thread.SpinWait(20);
                Thread.SpinWait(random.Next(0, 20_000));
            }
            else if (mode == 1)
            {
                // During the batches of an epoch.
                child.WaitForEpoch(begin + random.Next(0, 3));
                Thread.Sleep(random.Next(0, 15));
            }
            // mode 2: right after resuming (loading the checkpoint, replaying the data loader).
            child.Kill();
            killed++;
            if (Directory.Exists(checkpoint + ".partial")) inWrite++;
            if (!Directory.Exists(checkpoint) && Directory.Exists(checkpoint + ".previous")) betweenRenames++;
        }

        output.WriteLine($"seed {seed}: {starts} starts, {killed} SIGKILLs ({inWrite} inside a checkpoint write, {betweenRenames} between its renames), {epochs} epochs");
        killed.Should().BeGreaterThanOrEqualTo(kills);
        inWrite.Should().BeGreaterThan(0, "at least one kill must land inside a checkpoint write");
        File.ReadAllText(result).Should().Be(expected, "the resumed run must end with the uninterrupted run's weights and history, bit for bit");
    }

    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly BlockingCollection<string> _lines = [];
        private readonly ConcurrentQueue<string> _errors = new();

        private Child(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) _lines.CompleteAdding();
                else _lines.Add(e.Data);
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) _errors.Enqueue(e.Data);
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public static Child Start(string checkpoint, string output, int epochs)
        {
            string config = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            string dll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "MultiTask.CrashSafety", "bin", config, "net10.0", "MultiTask.CrashSafety.dll"));
            File.Exists(dll).Should().BeTrue($"the child process is built with the tests ({dll})");
            var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { dll, checkpoint, output, epochs.ToString(System.Globalization.CultureInfo.InvariantCulture) }) info.ArgumentList.Add(arg);
            return new Child(Process.Start(info)!);
        }

        /// <summary>The epoch training starts (or resumes) at.</summary>
        public int WaitForBegin() => int.Parse(Next("begin "), System.Globalization.CultureInfo.InvariantCulture);

        public void WaitForEpoch(int epoch)
        {
            while (int.Parse(Next("epoch "), System.Globalization.CultureInfo.InvariantCulture) < epoch) { }
        }

        public void Kill()
        {
            // Process.Kill sends SIGKILL on Unix: no finally block, flush or handler runs in the child.
            _process.Kill();
            _process.WaitForExit();
        }

        public void WaitForSuccess()
        {
            _process.WaitForExit((int)s_patience.TotalMilliseconds).Should().BeTrue("the child must finish");
            _process.WaitForExit();
            _process.ExitCode.Should().Be(0, string.Join("\n", _errors));
        }

        private string Next(string prefix)
        {
            while (_lines.TryTake(out var line, s_patience))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return line[prefix.Length..];
            }
            throw new InvalidOperationException($"The child stopped without writing '{prefix}...': {string.Join("\n", _errors)}");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
            _process.Dispose();
            _lines.Dispose();
        }
    }
}
