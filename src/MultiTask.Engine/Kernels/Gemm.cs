using System.Numerics.Tensors;

namespace MultiTask.Engine.Kernels;

/// <summary>Single-precision matrix multiply on row-major data.</summary>
internal static class Gemm
{
    /// <summary>
    /// C[m×n] (+)= op(A)·op(B), where op transposes when asked; A is m×k (or k×m when transposed),
    /// B is k×n (or n×k when transposed).
    /// </summary>
    public static void Multiply(
        ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int k, int n, bool accumulate = false)
    {
        if (!accumulate) c[..(m * n)].Clear();
        if (m == 0 || n == 0 || k == 0) return;
        if (!transB)
        {
            // Row of C += A[i,p] * row p of B: a vectorised axpy per (i, p).
            for (int i = 0; i < m; i++)
            {
                var cRow = c.Slice(i * n, n);
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * m + i] : a[i * k + p];
                    TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), av, cRow, cRow);
                }
            }
        }
        else
        {
            // C[i,j] = dot(row i of A, row j of B) when B is stored transposed.
            float[]? aRowBuffer = transA ? new float[k] : null;
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<float> aRow;
                if (transA)
                {
                    for (int p = 0; p < k; p++) aRowBuffer![p] = a[p * m + i];
                    aRow = aRowBuffer;
                }
                else
                {
                    aRow = a.Slice(i * k, k);
                }
                for (int j = 0; j < n; j++)
                    c[i * n + j] += TensorPrimitives.Dot(aRow, b.Slice(j * k, k));
            }
        }
    }
}
