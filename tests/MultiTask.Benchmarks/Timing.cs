using System.Diagnostics;

namespace MultiTask.Benchmarks;

/// <summary>Measures seconds per call as the median of several samples, each long enough to time reliably.</summary>
public static class Timing
{
    /// <summary>Runs <paramref name="action"/> until it has run for <paramref name="seconds"/> (at least twice), so the JIT and caches are warm.</summary>
    public static void WarmUp(Action action, double seconds = 0.1)
    {
        var sw = Stopwatch.StartNew();
        int calls = 0;
        while (calls < 2 || sw.Elapsed.TotalSeconds < seconds)
        {
            action();
            calls++;
        }
    }

    /// <summary>How many calls make one sample last about <paramref name="minSeconds"/>.</summary>
    public static int CallsPerSample(Action action, double minSeconds)
    {
        var sw = Stopwatch.StartNew();
        action();
        double one = Math.Max(sw.Elapsed.TotalSeconds, 1e-9);
        return (int)Math.Clamp(Math.Ceiling(minSeconds / one), 1, 1_000_000);
    }

    /// <summary>Seconds per call over one sample of <paramref name="calls"/> calls.</summary>
    public static double Sample(Action action, int calls)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++) action();
        return sw.Elapsed.TotalSeconds / calls;
    }

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }
}
