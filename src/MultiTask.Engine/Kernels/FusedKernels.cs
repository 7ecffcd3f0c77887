using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MultiTask.Engine.Kernels;

/// <summary>Fused kernels for the hot training path (linear layers, Relu backward).</summary>
internal static class FusedKernels
{
    /// <summary>destination[i] = y[i] &gt; 0 ? g[i] : 0 (PyTorch's threshold_backward: a select, so an infinite gradient never turns into NaN).</summary>
    public static void ReluBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> destination)
    {
        if (g.Length != y.Length || destination.Length < g.Length)
            throw new ArgumentException($"ReluBackward: lengths {g.Length}, {y.Length} and {destination.Length} do not match.");
        int n = g.Length, i = 0;
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float dr = ref MemoryMarshal.GetReference(destination);
        // Tests force narrower paths through the same per-thread switch as the GEMM kernels.
        var path = Gemm.ForcedPath;
        if (path is GemmPath.Auto or GemmPath.Vector512 && Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var mask = Vector512.GreaterThan(Vector512.LoadUnsafe(ref yr, (nuint)i), Vector512<float>.Zero);
                Vector512.BitwiseAnd(mask, Vector512.LoadUnsafe(ref gr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        else if (path is GemmPath.Auto or GemmPath.Vector256 && Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var mask = Vector256.GreaterThan(Vector256.LoadUnsafe(ref yr, (nuint)i), Vector256<float>.Zero);
                Vector256.BitwiseAnd(mask, Vector256.LoadUnsafe(ref gr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref dr, i) = Unsafe.Add(ref yr, i) > 0f ? Unsafe.Add(ref gr, i) : 0f;
    }

    /// <summary>Fills each of the <paramref name="rows"/> rows of <paramref name="destination"/> with <paramref name="row"/>.</summary>
    public static void BroadcastRows(ReadOnlySpan<float> row, Span<float> destination, int rows)
    {
        int n = row.Length;
        for (int r = 0; r < rows; r++) row.CopyTo(destination.Slice(r * n, n));
    }

    /// <summary>destination[j] = Σ_r source[r·n + j]: the column sums of a rows × n matrix (the bias gradient).</summary>
    public static void ColumnSums(ReadOnlySpan<float> source, Span<float> destination, int rows)
    {
        int n = destination.Length;
        destination.Clear();
        for (int r = 0; r < rows; r++)
            System.Numerics.Tensors.TensorPrimitives.Add(destination, source.Slice(r * n, n), destination);
    }

    /// <summary>
    /// Softmax backward over the last dimension: per row of length <paramref name="n"/>,
    /// destination = y·(g − Σ g·y).
    /// </summary>
    public static void SoftmaxBackwardLastDim(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> destination, int n)
    {
        if (g.Length != y.Length || destination.Length < g.Length || (n == 0 ? g.Length != 0 : g.Length % n != 0))
            throw new ArgumentException($"SoftmaxBackwardLastDim: lengths {g.Length}, {y.Length} and {destination.Length} do not fit rows of {n}.");
        for (int o = 0; o + n <= g.Length && n > 0; o += n)
        {
            var gr = g.Slice(o, n);
            var yr = y.Slice(o, n);
            var dr = destination.Slice(o, n);
            float dot = System.Numerics.Tensors.TensorPrimitives.Dot(gr, yr);
            System.Numerics.Tensors.TensorPrimitives.Subtract(gr, dot, dr);
            System.Numerics.Tensors.TensorPrimitives.Multiply(dr, yr, dr);
        }
    }
}
