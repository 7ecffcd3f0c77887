using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;

namespace MultiTask.Training;

/// <summary>
/// Data-parallel training over <see cref="TrainerOptions.ProcessGroup"/>: each rank draws the same global batches,
/// trains on its shard, and reduces what makes every step the step one process would take on the global batch.
/// </summary>
/// <remarks>
/// <para>The exactness argument, per task i with G labels in the global batch, n of them on this rank and N ranks:
/// the global loss is the masked mean Lᵢ = Σ over the global batch / G. This rank's masked mean Lᵢʳ is scaled by
/// n·N/G, so the average over ranks of the scaled gradients is exactly ∇Lᵢ. The loss tensor a strategy sees is that
/// scaled loss shifted by a constant so that its value is the global Lᵢ: a strategy that reads loss values (weights
/// from loss ratios, logarithms, learned uncertainties) computes them from the global values on every rank, and since
/// its gradient is linear in the task gradients at those values, the averaged gradient is the global one. Gradient-space
/// strategies average their per-task gradients (<see cref="Weighting.WeightingContext.ReduceTaskGradients"/>) before
/// combining them. After the strategy's backward pass the gradients of every trained parameter are averaged, so every
/// rank takes the same optimizer step from the same state. Only the order of floating-point additions differs from one
/// process, which is why results agree to rounding rather than bit for bit.</para>
/// <para>Everything else a rank decides — a task's presence, a non-finite loss, cancellation, validation (every rank
/// evaluates the full validation data), early stopping — is decided from reduced or identical values, so every rank
/// makes the same collective calls in the same order.</para>
/// </remarks>
public sealed partial class MultiTaskTrainer
{
    private float[]? _gradientBuffer;
    private bool _cancelAgreed;

    /// <summary>The process group when it has more than one rank; null when training in one process.</summary>
    private ProcessGroup? Distributed => Options.ProcessGroup is { Size: > 1 } group ? group : null;

    /// <summary>
    /// At the start of <see cref="Fit"/>: checks that every rank runs the same configuration (a mismatch would
    /// silently train different models or deadlock), then gives every rank rank 0's parameters.
    /// </summary>
    private void SynchronizeRanks(DataLoader loader)
    {
        if (Distributed is not { } group) return;
        var names = new[] { "seed (low bits)", "seed (high bits)", "training rows", "batch size", "steps per epoch", "parameter elements", "epochs completed", "global step", "tasks" };
        double[] mine =
        [
            Options.Seed & 0xFFFFFFFF, Options.Seed >> 32, loader.Data.RowCount, loader.BatchSize, loader.StepsPerEpoch,
            _trainable.Sum(p => (double)p.Numel), EpochsCompleted, _globalStep, Model.TaskNames.Count,
        ];
        var root = (double[])mine.Clone();
        group.Broadcast(root, 0);
        var mismatch = new double[names.Length];
        for (int i = 0; i < names.Length; i++) mismatch[i] = root[i] == mine[i] ? 0 : 1;
        group.AllReduceSum(mismatch);
        int first = Array.FindIndex(mismatch, m => m > 0);
        if (first >= 0)
            throw new InvalidOperationException(
                $"The {group.Size} ranks do not train the same run: their {names[first]} differ (rank {group.Rank} has {mine[first]}, rank 0 has {root[first]}). " +
                "Start every rank with the same options, seed, model and training data (and resume all of them from the same checkpoint).");
        var flat = new float[(int)mine[5]];
        int offset = 0;
        foreach (var p in _trainable)
        {
            p.AsSpan().CopyTo(flat.AsSpan(offset));
            offset += p.Numel;
        }
        group.Broadcast(flat, 0);
        offset = 0;
        foreach (var p in _trainable)
        {
            flat.AsSpan(offset, p.Numel).CopyTo(p.AsSpan());
            offset += p.Numel;
        }
    }

    /// <summary>Whether training should stop before an epoch; with several ranks, whether any rank's token is cancelled (all then stop together).</summary>
    private bool IsCancelled(CancellationToken cancellationToken)
    {
        if (Distributed is not { } group) return cancellationToken.IsCancellationRequested;
        Span<double> flag = [cancellationToken.IsCancellationRequested ? 1 : 0];
        group.AllReduceSum(flag);
        return _cancelAgreed = flag[0] > 0;
    }

    /// <summary>
    /// Whether training should stop before a step. With several ranks, what the ranks agreed in the previous step's loss
    /// reduction (<see cref="TaskLosses"/> carries each rank's flag), so a step costs no reduction of its own; a
    /// cancellation then takes effect one step later.
    /// </summary>
    private bool IsCancelledBeforeStep(CancellationToken cancellationToken) =>
        Distributed is null ? cancellationToken.IsCancellationRequested : _cancelAgreed;

    /// <summary>This rank's rows of a global batch: rows r, r + N, r + 2N, … (all of them with one process).</summary>
    private Batch Shard(Batch global)
    {
        if (Distributed is not { } group) return global;
        var rows = new List<int>(global.Size / group.Size + 1);
        for (int k = group.Rank; k < global.Size; k += group.Size) rows.Add(global.Rows[k]);
        int? onlyTask = global.SampledTask is { } task ? MultiTaskDataset.IndexOfTask(global.Tasks, task.Name) : null;
        return _loader!.Data.GetBatch(rows, onlyTask);
    }

    /// <summary>
    /// Each model task's loss on <paramref name="batch"/> with its value and label count, or null where the task has no
    /// labels. With several ranks: the value and count of the global batch, and a loss tensor whose value is the global
    /// loss and whose gradient, averaged over the ranks, is the global loss's gradient (see the type's remarks).
    /// </summary>
    private (Tensor Loss, double Value, int Count)?[] TaskLosses(Batch batch, TaskOutputs? outputs, TaskBinding[] bindings, CancellationToken cancellationToken)
    {
        var result = new (Tensor Loss, double Value, int Count)?[bindings.Length];
        for (int i = 0; i < bindings.Length; i++)
        {
            var b = bindings[i];
            if (!batch.IsPresent(b.DataIndex)) continue;
            var loss = b.ComputeLoss(outputs![b.Name], batch.Targets(b.DataIndex), batch.Mask(b.DataIndex));
            result[i] = (loss, loss.Item(), batch.LabelCount(b.DataIndex));
        }
        if (Distributed is not { } group) return result;

        // One reduction for all tasks: label counts, and loss × count sums (a non-finite local loss makes the sum non-finite
        // on every rank); the last slot counts the ranks whose token is cancelled.
        var sums = new double[2 * bindings.Length + 1];
        sums[^1] = cancellationToken.IsCancellationRequested ? 1 : 0;
        for (int i = 0; i < bindings.Length; i++)
        {
            if (result[i] is not var (_, value, count)) continue;
            sums[2 * i] = count;
            sums[2 * i + 1] = value * count;
        }
        group.AllReduceSum(sums);
        _cancelAgreed = sums[^1] > 0;
        for (int i = 0; i < bindings.Length; i++)
        {
            int globalCount = (int)sums[2 * i];
            if (globalCount == 0)
            {
                result[i] = null;
                continue;
            }
            float globalValue = (float)(sums[2 * i + 1] / globalCount);
            // A rank without labels for a present task still hands the strategy a loss of the global value; its
            // gradient goes to a throw-away leaf, so the rank contributes zeros for that task.
            var local = result[i] is var (loss, _, count)
                ? loss * (float)((double)count * group.Size / globalCount)
                : ThrowAwayLeaf();
            result[i] = ((local - local.Detach()) + globalValue, globalValue, globalCount);
        }
        return result;
    }

    private static Tensor ThrowAwayLeaf()
    {
        var leaf = Tensor.Scalar(0f);
        leaf.RequiresGrad = true;
        return leaf;
    }

    /// <summary>
    /// Averages the gradients of every trained parameter (the model's and the strategy's) over the ranks, in one
    /// flat buffer. A parameter without a gradient on every rank keeps none, as it would in one process.
    /// </summary>
    private void AverageGradients()
    {
        if (Distributed is not { } group) return;
        int total = _trainable.Count;
        foreach (var p in _trainable) total += p.Numel;
        if (_gradientBuffer is null || _gradientBuffer.Length != total) _gradientBuffer = new float[total];
        var buffer = _gradientBuffer.AsSpan();
        buffer.Clear();
        // The first slots flag which parameters have a gradient on this rank; the gradients follow.
        int offset = _trainable.Count;
        for (int k = 0; k < _trainable.Count; k++)
        {
            var p = _trainable[k];
            if (p.Grad is { } g)
            {
                buffer[k] = 1;
                g.AsSpan().CopyTo(buffer.Slice(offset, p.Numel));
            }
            offset += p.Numel;
        }
        group.AllReduceSum(buffer);
        offset = _trainable.Count;
        float size = group.Size;
        for (int k = 0; k < _trainable.Count; k++)
        {
            var p = _trainable[k];
            if (buffer[k] > 0)
            {
                var grad = p.Grad ??= Tensor.FromArray(new float[p.Numel], [.. p.Shape]);
                TensorPrimitives.Divide(buffer.Slice(offset, p.Numel), size, grad.AsSpan());
            }
            offset += p.Numel;
        }
    }
}
