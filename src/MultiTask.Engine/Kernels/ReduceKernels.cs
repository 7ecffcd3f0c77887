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
}
