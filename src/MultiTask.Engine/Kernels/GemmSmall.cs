using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace MultiTask.Engine.Kernels;

/// <summary>
/// SGEMM for tiny products, where packing A and dispatching whole Mr×Nr tiles cost more than the
/// arithmetic: A is read in place and only B is copied, into a zero-padded row-major buffer.
/// </summary>
internal static unsafe class GemmSmall
{
    private const int Rows = 4;

    /// <summary>Whether the product fits the small path's B buffer.</summary>
    public static bool Fits<TK>(in GemmJob job) where TK : struct, IGemmKernel =>
        (long)job.K * RoundUp(job.N, TK.SmallNr) <= GemmWorkspace.BCapacity;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<TK>(GemmJob job) where TK : struct, IGemmKernel
    {
        var ws = GemmWorkspace.Current;
        int w = TK.SmallNr, m = job.M, k = job.K, n = job.N;
        float* b;
        nint ldb;
        if (!job.TransB && n % w == 0)
        {
            b = job.B;
            ldb = job.Ldb;
        }
        else
        {
            ldb = RoundUp(n, w);
            b = ws.B;
            CopyPadded<TK>(job.B, job.Ldb, job.TransB, k, n, (int)ldb, b);
        }

        // A[i, p] sits at a[i * rs + p * ps] in either storage order.
        nint rs = job.TransA ? 1 : job.Lda, ps = job.TransA ? job.Lda : 1;
        float* tile = ws.Tile;
        for (int i = 0; i < m; i += Rows)
        {
            int rows = Math.Min(Rows, m - i);
            float* a0 = job.A + i * rs;
            // Missing rows of the last group repeat row 0; their results land in the tile and are dropped.
            float* a1 = rows > 1 ? a0 + rs : a0;
            float* a2 = rows > 2 ? a0 + 2 * rs : a0;
            float* a3 = rows > 3 ? a0 + 3 * rs : a0;
            float* cRow = job.C + i * job.Ldc;
            for (int j = 0; j < n; j += w)
            {
                int cols = Math.Min(w, n - j);
                if (rows == Rows && cols == w)
                {
                    TK.RunSmall(a0, a1, a2, a3, ps, b + j, ldb, k, cRow + j, job.Ldc, job.Accumulate);
                    continue;
                }
                TK.RunSmall(a0, a1, a2, a3, ps, b + j, ldb, k, tile, w, false);
                for (int r = 0; r < rows; r++)
                {
                    float* dst = cRow + r * job.Ldc + j;
                    float* src = tile + r * w;
                    if (job.Accumulate)
                        for (int q = 0; q < cols; q++) dst[q] += src[q];
                    else
                        for (int q = 0; q < cols; q++) dst[q] = src[q];
                }
            }
        }
    }

    /// <summary>
    /// Matrix-vector products (m = 1 or n = 1), where any register tile would be mostly padding:
    /// the vector operand is contiguous in every storage order, so each output is one dot product
    /// or each input row one axpy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyVector(GemmJob job)
    {
        int m = job.M, k = job.K, n = job.N;
        bool byRows = n == 1;
        // Output length and the matrix operand seen so that output[i] = sum_p mat[i, p] * vec[p].
        int len = byRows ? m : n;
        float* vec = byRows ? job.B : job.A;
        float* mat = byRows ? job.A : job.B;
        bool matRowsContiguous = byRows ? !job.TransA : job.TransB;
        nint ld = byRows ? job.Lda : job.Ldb;
        nint cStride = byRows ? job.Ldc : 1;
        var v = new ReadOnlySpan<float>(vec, k);
        if (matRowsContiguous)
        {
            for (int i = 0; i < len; i++)
            {
                var row = new ReadOnlySpan<float>(mat + i * ld, k);
                float dot = k < Gemm.TinyLength ? Gemm.TinyDot(row, v) : TensorPrimitives.Dot(row, v);
                float* c = job.C + i * cStride;
                *c = job.Accumulate ? *c + dot : dot;
            }
            return;
        }

        // Stored as mat[p * ld + i]: one axpy per p. The output is contiguous: a whole job with
        // n = 1 has Ldc = 1, and with m = 1 the output is a row.
        System.Diagnostics.Debug.Assert(cStride == 1);
        var c0 = new Span<float>(job.C, len);
        if (!job.Accumulate) c0.Clear();
        for (int p = 0; p < k; p++)
        {
            var row = new ReadOnlySpan<float>(mat + p * ld, len);
            if (len < Gemm.TinyLength) Gemm.TinyAxpy(vec[p], row, c0);
            else TensorPrimitives.MultiplyAdd(row, vec[p], c0, c0);
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Writes op(B) (k×n) row-major with row stride ld, zeroing columns n..ld.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyPadded<TK>(float* b, nint ldb, bool transB, int k, int n, int ld, float* dst) where TK : struct, IGemmKernel
    {
        if (transB)
        {
            // Row j of the stored B is column j of op(B): a transposing gather of n rows.
            GemmPacked.Gather(b, ldb, n, ld, k, dst, TK.AvxPacking);
            return;
        }
        for (int p = 0; p < k; p++)
        {
            float* d = dst + p * (nint)ld;
            new ReadOnlySpan<float>(b + p * ldb, n).CopyTo(new Span<float>(d, n));
            for (int j = n; j < ld; j++) d[j] = 0f;
        }
    }
}
