namespace MultiTask.Training;

/// <summary>
/// The processes (ranks) that train one model together by data parallelism, and the few collective operations
/// the trainer needs from them. Set one as <see cref="TrainerOptions.ProcessGroup"/>; a group of
/// <see cref="Size"/> 1 (or null) trains in one process as usual.
/// </summary>
/// <remarks>
/// <para>The core library defines only this contract and <see cref="Single"/>; the MultiTask.Distributed package
/// implements it on MPI. Every rank runs the same program with the same options and data, and makes the same
/// sequence of collective calls; a rank that stops calling (it crashed, or it took another branch) leaves the
/// others waiting in the next call, so an implementation should end the whole job when a rank dies.</para>
/// <para>The trainer relies on one property beyond the arithmetic: <see cref="AllReduceSum(Span{float})"/> and
/// <see cref="AllReduceSum(Span{double})"/> must leave bit-identical results on every rank (the same sum, added in
/// the same order on all of them), because every rank applies the reduced gradients to its own copy of the model
/// and the copies must stay equal. An implementation whose reduction order can differ between ranks should reduce
/// to one rank and broadcast the result.</para>
/// </remarks>
public abstract class ProcessGroup
{
    /// <summary>A group of one process: every collective returns its input unchanged.</summary>
    public static ProcessGroup Single { get; } = new SingleProcessGroup();

    /// <summary>This process's rank, from 0 to <see cref="Size"/> − 1; rank 0 writes checkpoints.</summary>
    public abstract int Rank { get; }

    /// <summary>The number of processes in the group (at least 1).</summary>
    public abstract int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks (same length on each).</summary>
    /// <param name="values">This rank's values in, the sum out.</param>
    public abstract void AllReduceSum(Span<float> values);

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks (same length on each).</summary>
    /// <param name="values">This rank's values in, the sum out.</param>
    public abstract void AllReduceSum(Span<double> values);

    /// <summary>Copies <paramref name="root"/>'s <paramref name="values"/> into every other rank's (same length on each).</summary>
    /// <param name="values">The root's values; overwritten on the other ranks.</param>
    /// <param name="root">The rank whose values are sent.</param>
    public abstract void Broadcast(Span<float> values, int root);

    /// <summary>Copies <paramref name="root"/>'s <paramref name="values"/> into every other rank's (same length on each).</summary>
    /// <param name="values">The root's values; overwritten on the other ranks.</param>
    /// <param name="root">The rank whose values are sent.</param>
    public abstract void Broadcast(Span<double> values, int root);

    /// <summary>Returns once every rank has called it.</summary>
    public abstract void Barrier();

    /// <summary>The group of one process behind <see cref="Single"/>.</summary>
    private sealed class SingleProcessGroup : ProcessGroup
    {
        public override int Rank => 0;

        public override int Size => 1;

        public override void AllReduceSum(Span<float> values)
        {
        }

        public override void AllReduceSum(Span<double> values)
        {
        }

        public override void Broadcast(Span<float> values, int root) => CheckRoot(root);

        public override void Broadcast(Span<double> values, int root) => CheckRoot(root);

        public override void Barrier()
        {
        }

        private static void CheckRoot(int root)
        {
            if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, $"A group of one process has only rank 0; got root {root}.");
        }
    }
}
