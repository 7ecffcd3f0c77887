namespace MultiTask.Engine.Tensors;

/// <summary>
/// Per-thread float arrays of exact lengths, lent for results that die inside one call (the intermediate activations of
/// a <see cref="NN.Sequential"/> run without a graph). Reusing them keeps repeated inference from allocating a fresh,
/// often large-object-heap array per layer, whose collections otherwise dominate a forward pass of large batches.
/// </summary>
internal static class ScratchBuffers
{
    // A few arrays per length are enough for nested chains; more would only hold memory.
    private const int MaxPerLength = 4;

    [ThreadStatic]
    private static Dictionary<int, Stack<float[]>>? t_free;

    public static float[] Rent(int length)
    {
        if (t_free is not null && t_free.TryGetValue(length, out var stack) && stack.Count > 0) return stack.Pop();
        return GC.AllocateUninitializedArray<float>(length);
    }

    public static void Return(float[] array)
    {
        t_free ??= [];
        if (!t_free.TryGetValue(array.Length, out var stack)) t_free[array.Length] = stack = new Stack<float[]>();
        if (stack.Count < MaxPerLength) stack.Push(array);
    }
}
