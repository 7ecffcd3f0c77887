using MultiTask.Engine;

namespace MultiTask.Testing;

/// <summary>Bytes a warm piece of code allocates per call, measured on the calling thread (deterministic, unlike time).</summary>
internal static class Allocations
{
    /// <summary>Runs <paramref name="action"/> <paramref name="warmUp"/> times, then <paramref name="calls"/> times, and returns the bytes per measured call.</summary>
    /// <remarks>Matrix products run on this thread only while measuring: on worker threads they would allocate where this thread's counter cannot see.</remarks>
    public static double PerCall(Action action, int warmUp = 3, int calls = 10)
    {
        int threads = EngineOptions.MaxThreads;
        EngineOptions.MaxThreads = 1;
        try
        {
            for (int i = 0; i < warmUp; i++) action();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) action();
            return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)calls;
        }
        finally
        {
            EngineOptions.MaxThreads = threads;
        }
    }
}
