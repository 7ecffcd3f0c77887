using System.Diagnostics;
using MultiTask.Training;

namespace MultiTask.Distributed.Check;

/// <summary>Passes every call to another group and adds up the time spent in the reductions (including waiting for slower ranks).</summary>
internal sealed class TimedProcessGroup(ProcessGroup inner) : ProcessGroup
{
    private long _ticks;

    public override int Rank => inner.Rank;

    public override int Size => inner.Size;

    /// <summary>The time spent in reductions so far.</summary>
    public TimeSpan Reducing => Stopwatch.GetElapsedTime(0, _ticks);

    /// <summary>The number of reductions so far.</summary>
    public long Reductions { get; private set; }

    /// <summary>The number of values reduced so far.</summary>
    public long Values { get; private set; }

    public override void AllReduceSum(Span<float> values)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllReduceSum(values);
        Add(start, values.Length);
    }

    public override void AllReduceSum(Span<double> values)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllReduceSum(values);
        Add(start, values.Length);
    }

    public override void Broadcast(Span<float> values, int root) => inner.Broadcast(values, root);

    public override void Broadcast(Span<double> values, int root) => inner.Broadcast(values, root);

    public override void Barrier() => inner.Barrier();

    private void Add(long start, int length)
    {
        _ticks += Stopwatch.GetTimestamp() - start;
        Reductions++;
        Values += length;
    }
}
