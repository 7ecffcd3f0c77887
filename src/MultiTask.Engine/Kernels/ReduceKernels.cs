using System.Numerics.Tensors;

namespace MultiTask.Engine.Kernels;

/// <summary>Reductions over one dimension of a tensor viewed as [outer, n, inner].</summary>
internal static class ReduceKernels
{
    public static void Split(int[] shape, int dim, out int outer, out int n, out int inner)
    {
        outer = 1; inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        n = shape[dim];
        for (int d = dim + 1; d < shape.Length; d++) inner *= shape[d];
    }

    /// <summary>Sums over dimension <paramref name="dim"/>; the result has that dimension's size set to one.</summary>
    public static float[] Sum(float[] data, int[] shape, int dim)
    {
        Split(shape, dim, out int outer, out int n, out int inner);
        var result = new float[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                result[o] = TensorPrimitives.Sum(data.AsSpan(o * n, n));
                continue;
            }
            var dst = result.AsSpan(o * inner, inner);
            for (int r = 0; r < n; r++)
                TensorPrimitives.Add(dst, data.AsSpan((o * n + r) * inner, inner), dst);
        }
        return result;
    }

    /// <summary>
    /// The maximum (or minimum) over dimension <paramref name="dim"/> and the index of its first
    /// occurrence; NaN wins over every number, as in PyTorch.
    /// </summary>
    public static float[] ArgExtreme(float[] data, int[] shape, int dim, bool max, out float[] indices)
    {
        Split(shape, dim, out int outer, out int n, out int inner);
        if (n == 0)
            throw new ArgumentException($"Cannot take the {(max ? "max" : "min")} over dimension {dim} of size 0 (shape [{string.Join(", ", shape)}]).");
        var values = new float[outer * inner];
        indices = new float[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseOff = o * n * inner + i;
                float best = data[baseOff];
                int bestIndex = 0;
                if (!float.IsNaN(best))
                {
                    for (int r = 1; r < n; r++)
                    {
                        float v = data[baseOff + r * inner];
                        if (float.IsNaN(v)) { best = v; bestIndex = r; break; }
                        if (max ? v > best : v < best) { best = v; bestIndex = r; }
                    }
                }
                values[o * inner + i] = best;
                indices[o * inner + i] = bestIndex;
            }
        }
        return values;
    }

    /// <summary>The maximum or minimum of all elements, NaN if any element is NaN.</summary>
    public static float Extreme(float[] data, bool max)
    {
        float best = data[0];
        for (int i = 1; i < data.Length; i++)
        {
            float v = data[i];
            if (float.IsNaN(v)) return v;
            if (max ? v > best : v < best) best = v;
        }
        return best;
    }
}
