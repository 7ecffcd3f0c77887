using MultiTask.Engine.Kernels;

namespace MultiTask.Engine;

/// <summary>Process-wide knobs of the engine's kernels.</summary>
public static class EngineOptions
{
    /// <summary>
    /// The most threads one matrix product started on the <b>calling thread</b> may use (PyTorch's
    /// <c>torch.set_num_threads</c>, but per thread). Default <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    /// <remarks>
    /// The setting is thread-static so that models trained side by side on different threads (e.g. the
    /// members of a <c>MultiTaskEnsemble</c>) can each be limited to one core without affecting each
    /// other; a new thread starts at the default. Only products large enough to be worth splitting
    /// (about 10 million flops) use more than one thread, and the result does not depend on the number
    /// of threads: each output element is computed the same way whichever thread computes it.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxThreads
    {
        get => Gemm.MaxThreads;
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(MaxThreads), value, $"MaxThreads must be at least 1, got {value}; use Environment.ProcessorCount for all cores.");
            Gemm.MaxThreads = value;
        }
    }

    /// <summary>
    /// Lets go of the arrays the calling thread keeps for reuse (activations and gradients of recent training steps and
    /// inference calls, at most 256 MB per thread), e.g. after training when the process should shrink; later steps
    /// allocate afresh and refill them.
    /// </summary>
    public static void ReleaseCachedBuffers() => Tensors.ScratchBuffers.Clear();
}
