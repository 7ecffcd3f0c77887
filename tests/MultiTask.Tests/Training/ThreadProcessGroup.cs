using MultiTask.Training;

namespace MultiTask.Tests.Training;

/// <summary>
/// N ranks in one process, one thread each, for testing data-parallel training without MPI. Reductions add the ranks'
/// values in rank order, so every rank gets the same bits and a run is repeatable.
/// </summary>
internal sealed class ThreadProcessGroup : ProcessGroup
{
    private readonly Shared _shared;

    private ThreadProcessGroup(Shared shared, int rank)
    {
        _shared = shared;
        Rank = rank;
    }

    public override int Rank { get; }

    public override int Size => _shared.Slots.Length;

    /// <summary>The number of collective calls this rank made.</summary>
    public int Calls { get; private set; }

    /// <summary>
    /// Runs <paramref name="body"/> on <paramref name="size"/> ranks at once and returns each rank's result. A rank that throws or
    /// returns releases the others from any collective call they are still waiting in (they throw), so a mismatch fails fast.
    /// </summary>
    public static T[] Run<T>(int size, Func<ThreadProcessGroup, T> body)
    {
        var shared = new Shared(size);
        var results = new T[size];
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try
            {
                results[rank] = body(new ThreadProcessGroup(shared, rank));
                // A rank that returned makes no more collective calls: one still waiting in one would wait forever.
                shared.Cancel.Cancel();
            }
            catch (Exception e)
            {
                errors[rank] = e;
                shared.Cancel.Cancel();
            }
        }, maxStackSize: 16 << 20)).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        // The first real error, not the cancellations it caused on the other ranks.
        var error = errors.FirstOrDefault(e => e is not null and not OperationCanceledException) ?? errors.FirstOrDefault(e => e is not null);
        if (error is not null) throw new AggregateException(error.Message, error);
        return results;
    }

    /// <summary>Runs <paramref name="body"/> on every rank and returns each rank's exception (null where it returned).</summary>
    public static Exception?[] Failures(int size, Action<ThreadProcessGroup> body)
    {
        var shared = new Shared(size);
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try
            {
                body(new ThreadProcessGroup(shared, rank));
                shared.Cancel.Cancel();
            }
            catch (Exception e)
            {
                errors[rank] = e;
            }
        }, maxStackSize: 16 << 20)).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return errors;
    }

    public override void AllReduceSum(Span<float> values)
    {
        _shared.Slots[Rank] = values.ToArray();
        Sync();
        for (int i = 0; i < values.Length; i++)
        {
            float sum = 0;
            foreach (var slot in _shared.Slots) sum += ((float[])slot!)[i];
            values[i] = sum;
        }
        Sync();
    }

    public override void AllReduceSum(Span<double> values)
    {
        _shared.Slots[Rank] = values.ToArray();
        Sync();
        for (int i = 0; i < values.Length; i++)
        {
            double sum = 0;
            foreach (var slot in _shared.Slots) sum += ((double[])slot!)[i];
            values[i] = sum;
        }
        Sync();
    }

    public override void Broadcast(Span<float> values, int root)
    {
        if (Rank == root) _shared.Slots[root] = values.ToArray();
        Sync();
        ((float[])_shared.Slots[root]!).CopyTo(values);
        Sync();
    }

    public override void Broadcast(Span<double> values, int root)
    {
        if (Rank == root) _shared.Slots[root] = values.ToArray();
        Sync();
        ((double[])_shared.Slots[root]!).CopyTo(values);
        Sync();
    }

    public override void Barrier() => Sync();

    private void Sync()
    {
        Calls++;
        // A rank that failed cancels the others instead of leaving them waiting; the time limit only guards against a test bug.
        bool met;
        try
        {
            met = _shared.Barrier.SignalAndWait(TimeSpan.FromMinutes(5), _shared.Cancel.Token);
        }
        catch (OperationCanceledException e)
        {
            throw new OperationCanceledException($"Rank {Rank} waited in a collective call for a rank that had returned or failed: the ranks made different collective calls.", e);
        }
        if (!met) throw new TimeoutException($"Rank {Rank} waited 5 minutes for the other ranks: they made different collective calls.");
    }

    private sealed class Shared(int size)
    {
        public object?[] Slots { get; } = new object?[size];

        public System.Threading.Barrier Barrier { get; } = new(size);

        public CancellationTokenSource Cancel { get; } = new();
    }
}
