namespace MultiTask.Engine.Tensors;

/// <summary>
/// Per-thread float arrays of exact lengths, lent for results whose end of life the engine knows: the intermediate
/// activations of a <see cref="NN.Sequential"/> run without a graph, activations released after backward
/// (<see cref="Tensor.ReleaseAfterBackward"/>), gradients the backward pass made and consumed, and parameter gradients
/// that <see cref="Optim.Optimizer.ZeroGrad"/> drops while nothing outside the engine holds them. Reusing them keeps
/// training and repeated inference from allocating a fresh, often large-object-heap array per layer, whose page faults
/// and gen-2 collections otherwise dominate steps on large batches.
/// </summary>
/// <remarks>
/// The arrays are held strongly (a weakly held pool is emptied by every full collection, which large batches trigger
/// often), up to <see cref="MaxPerLength"/> per length and <see cref="MaxBytes"/> per thread; an array returned beyond
/// that is left to the garbage collector. <see cref="Clear"/> lets a thread's arrays go.
/// </remarks>
internal static class ScratchBuffers
{
    // Enough for the gradients of one length alive at once in a backward pass (parameters of equal shape included).
    internal const int MaxPerLength = 8;

    // What one thread may keep: a few layers' activations and weight gradients of a wide network.
    internal const long MaxBytes = 256L << 20;

    [ThreadStatic]
    private static Dictionary<int, Stack<float[]>>? t_free;

    [ThreadStatic]
    private static long t_bytes;

    /// <summary>An array of exactly <paramref name="length"/> elements with arbitrary contents.</summary>
    public static float[] Rent(int length)
    {
        if (t_free is not null && t_free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            t_bytes -= 4L * length;
            return stack.Pop();
        }
        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>
    /// Gives <paramref name="array"/> back for reuse; the caller guarantees that nothing reads or writes it any more.
    /// Returning an array that is already in the pool is ignored.
    /// </summary>
    public static void Return(float[] array)
    {
        if (array.Length == 0 || t_bytes + 4L * array.Length > MaxBytes) return;
        t_free ??= [];
        if (!t_free.TryGetValue(array.Length, out var stack)) t_free[array.Length] = stack = new Stack<float[]>();
        if (stack.Count >= MaxPerLength) return;
        // Lending one array twice would let two results share storage; a second return of the same array is a no-op.
        foreach (var held in stack)
            if (ReferenceEquals(held, array)) return;
        stack.Push(array);
        t_bytes += 4L * array.Length;
    }

    /// <summary>Lets every array this thread keeps go to the garbage collector.</summary>
    public static void Clear()
    {
        t_free = null;
        t_bytes = 0;
    }
}
