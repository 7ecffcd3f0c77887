namespace MultiTask.Engine.Tensors;

/// <summary>Shape arithmetic shared by the tensor operations: sizes, strides, dims and broadcasting.</summary>
internal static class ShapeUtil
{
    public static int Numel(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int s in shape)
        {
            if (s < 0) throw new ArgumentException($"Negative dimension {s} in shape {Format(shape)}.");
            n *= s;
        }
        if (n > Array.MaxLength) throw new ArgumentException($"Shape {Format(shape)} has too many elements ({n}).");
        return (int)n;
    }

    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }
        return strides;
    }

    public static int NormalizeDim(int dim, int rank)
    {
        int r = Math.Max(rank, 1);
        int d = dim < 0 ? dim + r : dim;
        if (d < 0 || d >= r)
            throw new ArgumentOutOfRangeException(nameof(dim),
                $"Dimension {dim} is out of range for a tensor of rank {rank} (expected {-r}..{r - 1}).");
        return d;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>The broadcast shape of two shapes under NumPy/PyTorch rules.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"Shapes {Format(a)} and {Format(b)} cannot be broadcast together: dimension {i} is {da} vs {db}.");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Strides of <paramref name="shape"/> viewed with <paramref name="outShape"/>'s rank, 0 where broadcast.</summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape)
    {
        var strides = new int[outShape.Length];
        int offset = outShape.Length - shape.Length;
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d + offset] = shape[d] == 1 ? 0 : s;
            s *= shape[d];
        }
        return strides;
    }
}
