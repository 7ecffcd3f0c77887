namespace MultiTask.Engine.Tensors;

/// <summary>
/// Per-thread float arrays of exact lengths, lent for results whose end of life the engine knows: the intermediate
/// activations of a <see cref="NN.Sequential"/> run without a graph, gradients the backward pass made and consumed, and
/// parameter gradients that <see cref="Optim.Optimizer.ZeroGrad"/> drops while nothing outside the engine holds them.
/// Reusing them keeps training and repeated inference from allocating a fresh, often large-object-heap array per
/// layer, whose page faults and gen-2 collections otherwise dominate steps on large batches.
/// </summary>
/// <remarks>
/// The pool holds its arrays through weak references, so memory a finished run no longer needs goes back to the
/// garbage collector at its next full collection instead of staying with the thread.
/// </remarks>
internal static class ScratchBuffers
{
    // Enough for the gradients of one length alive at once in a backward pass (parameters of equal shape included);
    // more would only hold memory.
    private const int MaxPerLength = 8;

    [ThreadStatic]
    private static Dictionary<int, Stack<WeakReference<float[]>>>? t_free;

    [ThreadStatic]
    private static Stack<WeakReference<float[]>>? t_spareReferences;

    /// <summary>An array of exactly <paramref name="length"/> elements with arbitrary contents.</summary>
    public static float[] Rent(int length)
    {
        if (t_free is not null && t_free.TryGetValue(length, out var stack))
        {
            while (stack.Count > 0)
            {
                var reference = stack.Pop();
                bool alive = reference.TryGetTarget(out var array);
                reference.SetTarget(null!);
                (t_spareReferences ??= new()).Push(reference);
                if (alive) return array!;
            }
        }
        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>
    /// Gives <paramref name="array"/> back for reuse; the caller guarantees that nothing reads or writes it any more.
    /// Returning an array that is already in the pool is ignored.
    /// </summary>
    public static void Return(float[] array)
    {
        if (array.Length == 0) return;
        t_free ??= [];
        if (!t_free.TryGetValue(array.Length, out var stack)) t_free[array.Length] = stack = new Stack<WeakReference<float[]>>();
        if (stack.Count >= MaxPerLength) return;
        // Lending one array twice would let two results share storage; a second return of the same array is a no-op.
        foreach (var held in stack)
            if (held.TryGetTarget(out var existing) && ReferenceEquals(existing, array)) return;
        var reference = t_spareReferences is { Count: > 0 } spare ? spare.Pop() : new WeakReference<float[]>(null!);
        reference.SetTarget(array);
        stack.Push(reference);
    }
}
