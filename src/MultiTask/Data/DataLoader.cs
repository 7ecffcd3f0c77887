using MultiTask.Engine.Tensors;

namespace MultiTask.Data;

/// <summary>
/// Iterates an <see cref="EncodedData"/> in mini-batches, one epoch at a time.
/// </summary>
/// <remarks>
/// <para><b>Joint batches</b> (no sampler): each epoch visits every row once, shuffled with the
/// seeded generator when <c>shuffle</c> is true, in <c>ceil(N / batchSize)</c> batches; each row
/// carries every task it is labelled for. A batch size of at least N gives one batch of all rows in their order, the
/// same <see cref="Batch"/> every epoch (order changes nothing in a full batch), and draws nothing from the generator.</para>
/// <para><b>Per-task batches</b> (with a <see cref="TaskSampler"/>): each step draws a task from the
/// sampler, then <c>min(batchSize, n_t)</c> rows labelled for that task, without replacement from a
/// per-task shuffled queue (when fewer than a batch remain, they are served first and the other rows reshuffled behind them, so a batch never repeats a row and each row is served once per cycle); other tasks are masked out of the
/// batch. An epoch is <c>ceil(Σ_t n_t / batchSize)</c> steps, where n_t is the number of rows labelled
/// for task t, so it processes about as many labels as a joint epoch.</para>
/// </remarks>
public sealed class DataLoader
{
    private readonly Generator _generator;
    private readonly int[][] _taskRows = [];
    private readonly int[] _taskCursor = [];
    private readonly int[][] _taskRowsSorted = [];
    private Batch? _wholeData;

    /// <summary>Creates a loader.</summary>
    /// <param name="data">The encoded data.</param>
    /// <param name="batchSize">Rows per batch (at least 1).</param>
    /// <param name="generator">The seeded source of shuffling and task draws (default <see cref="Generator.Default"/>).</param>
    /// <param name="sampler">A task sampler for per-task batches, or null for joint batches.</param>
    /// <param name="shuffle">Whether joint batches are shuffled each epoch (set false for evaluation).</param>
    /// <param name="tasks">
    /// With a sampler: the tasks to draw (default: all of the data's). A model trained on some of the
    /// data's tasks (a single-task baseline) passes its own, so no step is spent on a task it lacks.
    /// </param>
    public DataLoader(EncodedData data, int batchSize, Generator? generator = null, TaskSampler? sampler = null, bool shuffle = true,
        IReadOnlyCollection<string>? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be at least 1, got {batchSize}.");
        Data = data;
        BatchSize = batchSize;
        Sampler = sampler;
        Shuffle = shuffle;
        _generator = generator ?? Generator.Default;
        if (sampler is null)
        {
            StepsPerEpoch = (data.RowCount + batchSize - 1) / batchSize;
            return;
        }
        foreach (var name in tasks ?? [])
        {
            if (!data.Tasks.Any(t => t.Name == name))
                throw new ArgumentException($"Task '{name}' is not one of the data's tasks ({string.Join(", ", data.Tasks.Select(t => t.Name))}).", nameof(tasks));
        }
        int taskCount = data.Tasks.Count;
        _taskRows = new int[taskCount][];
        _taskRowsSorted = new int[taskCount][];
        _taskCursor = new int[taskCount];
        long labels = 0;
        for (int t = 0; t < taskCount; t++)
        {
            _taskRows[t] = tasks is null || tasks.Contains(data.Tasks[t].Name) ? [.. data.LabeledRows(t)] : [];
            _taskRowsSorted[t] = [.. _taskRows[t]];
            _taskCursor[t] = _taskRows[t].Length;
            labels += _taskRows[t].Length;
        }
        if (labels == 0)
            throw new ArgumentException("No task has a labelled row, so per-task batches cannot be drawn; check the label masks of the data.", nameof(data));
        sampler.Initialize(data.Tasks.Select(t => t.Name).ToArray(), _taskRows.Select(r => r.Length).ToArray());
        StepsPerEpoch = (int)((labels + batchSize - 1) / batchSize);
    }

    /// <summary>The data being iterated.</summary>
    public EncodedData Data { get; }

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>The task sampler of per-task batching, or null for joint batches.</summary>
    public TaskSampler? Sampler { get; }

    /// <summary>Whether joint batches are shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>The number of batches one <see cref="Epoch"/> yields.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>The batches of one epoch (drawn lazily; the generator advances as they are enumerated).</summary>
    public IEnumerable<Batch> Epoch() => Sampler is null ? JointEpoch() : PerTaskEpoch(Sampler);

    private IEnumerable<Batch> JointEpoch()
    {
        if (BatchSize >= Data.RowCount)
        {
            // One batch of every row: its order changes nothing the model learns, so the same batch serves every epoch
            // instead of a shuffled copy of the data per epoch.
            yield return _wholeData ??= Data.GetBatch(Enumerable.Range(0, Data.RowCount).ToArray());
            yield break;
        }
        var order = new int[Data.RowCount];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (Shuffle) MultiTaskDataset.Shuffle(order, _generator);
        for (int start = 0; start < order.Length; start += BatchSize)
            yield return Data.GetBatch(new ArraySegment<int>(order, start, Math.Min(BatchSize, order.Length - start)));
    }

    private IEnumerable<Batch> PerTaskEpoch(TaskSampler sampler)
    {
        for (int step = 0; step < StepsPerEpoch; step++)
        {
            int t = sampler.Sample(_generator);
            var pool = _taskRows[t];
            int take = Math.Min(BatchSize, pool.Length);
            int left = pool.Length - _taskCursor[t];
            if (left < take)
            {
                // The rows not yet served this cycle go first, so a batch never repeats a row and every
                // row is served once per cycle.
                Array.Copy(pool, _taskCursor[t], pool, 0, left);
                var rest = new ArraySegment<int>(pool, left, pool.Length - left);
                var used = new HashSet<int>(new ArraySegment<int>(pool, 0, left));
                int k = 0;
                foreach (int r in _taskRowsSorted[t])
                    if (!used.Contains(r)) rest[k++] = r;
                MultiTaskDataset.Shuffle(rest, _generator);
                _taskCursor[t] = 0;
            }
            var rows = new int[take];
            Array.Copy(pool, _taskCursor[t], rows, 0, take);
            _taskCursor[t] += take;
            yield return Data.GetBatch(rows, t);
        }
    }
}
