using MultiTask.Data;
using MultiTask.Engine.Tensors;

namespace MultiTask.Continual;

/// <summary>
/// A bounded memory of past training rows for rehearsal: every row offered to it passes through reservoir sampling, so at
/// any time it holds a uniform random sample of all rows offered so far; <see cref="Mix"/> adds its rows to a later stage's
/// training data, so that every epoch of that stage also revisits the earlier tasks.
/// </summary>
/// <remarks>
/// <para>Reservoir sampling is Vitter's Algorithm R ("Random sampling with a reservoir", ACM TOMS 11(1), 1985): the
/// first <see cref="Capacity"/> rows fill the buffer; the n-th row after that (n counted from 0 over all rows offered)
/// replaces a uniformly drawn slot j ∈ [0, n] when j &lt; capacity. Each of the n rows offered is then kept with
/// probability capacity/n, whatever the stage it came from. Rehearsal with such a memory is Chaudhry et al., "On Tiny
/// Episodic Memories in Continual Learning", 2019.</para>
/// <para>The draws come from a generator seeded with the given seed, so the same rows offered in the same order keep the
/// same rows.</para>
/// </remarks>
public sealed class ReplayBuffer
{
    private readonly ReplayRow[] _slots;
    private readonly Generator _generator;
    private int _count;

    /// <summary>Creates an empty buffer.</summary>
    /// <param name="capacity">The most rows it keeps (at least 1).</param>
    /// <param name="seed">The seed of the reservoir's draws.</param>
    /// <exception cref="ArgumentOutOfRangeException">A capacity below 1.</exception>
    public ReplayBuffer(int capacity, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        Seed = seed;
        _slots = new ReplayRow[capacity];
        _generator = new Generator(seed);
    }

    /// <summary>The most rows the buffer keeps.</summary>
    public int Capacity { get; }

    /// <summary>The seed of the reservoir's draws.</summary>
    public ulong Seed { get; }

    /// <summary>The number of rows held (at most <see cref="Capacity"/>).</summary>
    public int Count => _count;

    /// <summary>The number of rows offered so far.</summary>
    public long Seen { get; private set; }

    /// <summary>The rows held, by slot.</summary>
    public IReadOnlyList<ReplayRow> Rows => _slots.Take(_count).ToArray();

    /// <summary>
    /// Offers every row of <paramref name="data"/> labelled for at least one of <paramref name="tasks"/> to the reservoir, in
    /// row order; a kept row keeps its labels for those tasks only.
    /// </summary>
    /// <param name="data">A stage's training data (not a mix with this buffer's rows, which would offer them twice).</param>
    /// <param name="tasks">The tasks whose labels to keep (default: every task of the data).</param>
    /// <exception cref="ArgumentException">A task the data lacks, or data whose inputs are encoded differently from the rows already held.</exception>
    public void Add(EncodedData data, IReadOnlyList<string>? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        tasks ??= [.. data.Tasks.Select(t => t.Name)];
        foreach (var task in tasks)
        {
            if (!data.Tasks.Any(t => t.Name == task))
                throw new ArgumentException($"Task '{task}' is not a task of the data ({string.Join(", ", data.Tasks.Select(t => $"'{t.Name}'"))}).", nameof(tasks));
        }
        if (_count > 0 && !_slots[0].Encoder.SameInputs(data.Encoder))
            throw new ArgumentException(
                "The data's inputs are encoded differently from the rows the buffer holds (other columns or statistics); encode every stage with one encoder or its FeatureEncoder.WithTasks.",
                nameof(data));
        var indices = tasks.Select(data.TaskIndex).ToArray();
        var masks = indices.Select(t => data.Mask(t).ToArray()).ToArray();
        var targets = indices.Select(t => data.Targets(t).ToArray()).ToArray();
        var inputs = data.Features.AsSpan();
        int width = data.Width;
        for (int row = 0; row < data.RowCount; row++)
        {
            if (!masks.Any(m => m[row] != 0f)) continue;
            long n = Seen++;
            int slot;
            if (n < Capacity)
            {
                slot = (int)n;
                _count++;
            }
            else
            {
                long j = _generator.NextInt64(0, n + 1);
                if (j >= Capacity) continue;
                slot = (int)j;
            }
            var labels = new Dictionary<string, float[]>(StringComparer.Ordinal);
            for (int k = 0; k < indices.Length; k++)
            {
                if (masks[k][row] == 0f) continue;
                int w = data.Tasks[indices[k]].TargetWidth;
                labels[tasks[k]] = targets[k].AsSpan(row * w, w).ToArray();
            }
            _slots[slot] = new ReplayRow(n, row, data.Encoder, inputs.Slice(row * width, width).ToArray(), labels);
        }
    }

    /// <summary>
    /// <paramref name="data"/>'s rows followed by the buffer's rows, over <paramref name="data"/>'s encoder: each buffered row
    /// is labelled for the tasks it was kept for and unlabelled (masked) for the others. Trained on with joint batches, each
    /// shuffled batch holds new and remembered rows in proportion.
    /// </summary>
    /// <param name="data">The new stage's training data.</param>
    /// <returns>The combined data (the data itself when the buffer is empty).</returns>
    /// <exception cref="ArgumentException">
    /// The data's inputs are encoded differently from the buffered rows', or it lacks a task the buffer holds labels for or
    /// encodes that task's target differently (encode later stages with <see cref="FeatureEncoder.WithTasks"/> of the first
    /// stage's encoder, or with one encoder for all tasks).
    /// </exception>
    public EncodedData Mix(EncodedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (_count == 0) return data;
        var rows = _slots.Take(_count).ToArray();
        var encoder = data.Encoder;
        foreach (var source in rows.Select(r => r.Encoder).Distinct())
        {
            if (!encoder.SameInputs(source))
                throw new ArgumentException(
                    "The data's inputs are encoded differently from the buffered rows' (other columns or statistics); encode every stage with one encoder or its FeatureEncoder.WithTasks.",
                    nameof(data));
            foreach (var task in rows.Where(r => r.Encoder == source).SelectMany(r => r.Tasks).Distinct())
            {
                if (!encoder.Tasks.Any(t => t.Name == task))
                    throw new ArgumentException(
                        $"The buffer holds rows labelled for task '{task}', which the data's encoder does not have ({string.Join(", ", encoder.Tasks.Select(t => $"'{t.Name}'"))}); " +
                        "encode the stage's data with an encoder that has every earlier task (FeatureEncoder.WithTasks).", nameof(data));
                if (!encoder.SameTargets(task, source))
                    throw new ArgumentException(
                        $"Task '{task}' is encoded differently in the data than in the buffered rows (another target transform or statistics); keep the earlier encoder's transform (FeatureEncoder.WithTasks does).",
                        nameof(data));
            }
        }

        int n = data.RowCount, total = n + rows.Length, width = data.Width;
        var x = new float[total * width];
        data.Features.AsSpan().CopyTo(x);
        for (int i = 0; i < rows.Length; i++) rows[i].InputSpan.CopyTo(x.AsSpan((n + i) * width, width));
        var targets = new float[data.Tasks.Count][];
        var masks = new float[data.Tasks.Count][];
        for (int t = 0; t < data.Tasks.Count; t++)
        {
            int w = data.Tasks[t].TargetWidth;
            string name = data.Tasks[t].Name;
            var y = new float[total * w];
            var m = new float[total];
            data.Targets(t).AsSpan().CopyTo(y);
            data.Mask(t).AsSpan().CopyTo(m);
            for (int i = 0; i < rows.Length; i++)
            {
                if (!rows[i].TryGetTarget(name, out var target)) continue;
                target.CopyTo(y, (n + i) * w);
                m[n + i] = 1f;
            }
            targets[t] = y;
            masks[t] = m;
        }
        return new EncodedData(encoder, total, x, targets, masks, data.UnknownCategoryCounts);
    }
}
