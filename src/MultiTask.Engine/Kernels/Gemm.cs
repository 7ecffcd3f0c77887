using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MultiTask.Engine.Kernels;

/// <summary>Instruction-set path of the SGEMM kernels.</summary>
internal enum GemmPath
{
    /// <summary>Widest path the CPU accelerates.</summary>
    Auto,

    /// <summary>Plain scalar code, for CPUs without SIMD.</summary>
    Scalar,

    /// <summary>128-bit vectors (SSE, AdvSimd).</summary>
    Vector128,

    /// <summary>256-bit vectors (AVX2).</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,
}

/// <summary>Single-precision matrix multiply on row-major data.</summary>
/// <remarks>
/// Goto/BLIS structure (<see cref="GemmPacked"/>): B is packed into kc×nc column panels and A into
/// mc×kc row panels, both padded to whole register tiles, and an unrolled register-tiled
/// micro-kernel computes each Mr×Nr tile of C. Above a work threshold the product is split across
/// cores along its larger output dimension; each core packs its own panels (so only the smaller
/// operand's packing is duplicated) and no synchronisation is needed. Tiny products skip packing
/// (<see cref="GemmSmall"/>), and matrix-vector products use dot products or axpys.
/// </remarks>
internal static class Gemm
{
    // Below this many flops (about 50 µs on one core) a second thread saves too little to be worth
    // its dispatch cost (about 5 µs) and the risk of waiting for a core that another process holds.
    private const long ParallelThresholdFlops = 10_000_000;

    // Up to this many multiply-adds (m·k·n, i.e. 64³) packing A costs more than it saves.
    private const long SmallPathMaxVolume = 300_000;

    // The switches below are per thread so that a test forcing a path cannot change the path of
    // products that other tests run at the same time.
    [ThreadStatic]
    private static GemmPath t_forcedPath;

    [ThreadStatic]
    private static bool t_smallPathsDisabled;

    [ThreadStatic]
    private static int t_maxThreads;

    /// <summary>
    /// Forces an instruction-set path for products started on the calling thread (tests run every
    /// path on one machine); <see cref="GemmPath.Auto"/> picks the widest accelerated one.
    /// </summary>
    internal static GemmPath ForcedPath
    {
        get => t_forcedPath;
        set => t_forcedPath = value;
    }

    /// <summary>
    /// Whether matrix-vector and tiny products started on the calling thread take their dedicated
    /// paths (tests turn it off to run the packed path on every shape).
    /// </summary>
    internal static bool UseSmallPaths
    {
        get => !t_smallPathsDisabled;
        set => t_smallPathsDisabled = !value;
    }

    /// <summary>Upper bound on the threads a product started on the calling thread may use; defaults to the processor count.</summary>
    internal static int MaxThreads
    {
        get => t_maxThreads > 0 ? t_maxThreads : Environment.ProcessorCount;
        set => t_maxThreads = value;
    }

    /// <summary>The path <see cref="GemmPath.Auto"/> resolves to on this CPU.</summary>
    internal static GemmPath BestPath { get; } =
        Vector512.IsHardwareAccelerated ? GemmPath.Vector512
        : Vector256.IsHardwareAccelerated ? GemmPath.Vector256
        : Vector128.IsHardwareAccelerated ? GemmPath.Vector128
        : GemmPath.Scalar;

    /// <summary>
    /// C[m×n] (+)= op(A)·op(B), where op transposes when asked; A is m×k (or k×m when transposed),
    /// B is k×n (or n×k when transposed). Without <paramref name="accumulate"/> C is overwritten and
    /// its previous contents (even NaN) are never read.
    /// </summary>
    public static unsafe void Multiply(
        ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int k, int n, bool accumulate = false)
    {
        if (m < 0 || k < 0 || n < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM dimensions must be non-negative, got m={m}, k={k}, n={n}.");
        if (a.Length < (long)m * k)
            throw new ArgumentException($"A holds {a.Length} elements but an {(transA ? $"{k}×{m}" : $"{m}×{k}")} matrix needs {(long)m * k}.", nameof(a));
        if (b.Length < (long)k * n)
            throw new ArgumentException($"B holds {b.Length} elements but a {(transB ? $"{n}×{k}" : $"{k}×{n}")} matrix needs {(long)k * n}.", nameof(b));
        if (c.Length < (long)m * n)
            throw new ArgumentException($"C holds {c.Length} elements but the {m}×{n} result needs {(long)m * n}.", nameof(c));
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c[..(m * n)].Clear();
            return;
        }
        if (UseSmallPaths && k <= OuterProductMaxDepth && !transB && m > 1 && n > 1)
        {
            // An outer product or nearly (a one-output head's input gradient g·W): packing B for a depth of one to four
            // costs more than the arithmetic, so each row of C is built from B's rows directly. The choice depends on k
            // alone, so every row of a layer comes out the same whatever the batch size.
            MultiplyTiny(a, transA, b, transB, c, m, k, n, accumulate);
            return;
        }

        var path = ForcedPath == GemmPath.Auto ? BestPath : ForcedPath;
        fixed (float* pa = &MemoryMarshal.GetReference(a))
        fixed (float* pb = &MemoryMarshal.GetReference(b))
        fixed (float* pc = &MemoryMarshal.GetReference(c))
        {
            var job = new GemmJob(pa, transA ? m : k, transA, pb, transB ? k : n, transB, pc, n, m, k, n, accumulate);
            switch (path)
            {
                case GemmPath.Vector512: Run<Kernel512>(job); break;
                case GemmPath.Vector256: Run<Kernel256>(job); break;
                case GemmPath.Vector128: Run<Kernel128>(job); break;
                default: Run<KernelScalar>(job); break;
            }
        }
    }

    /// <summary>Products of at most this depth (k) take the row-by-row path in <see cref="Multiply"/>.</summary>
    internal const int OuterProductMaxDepth = 4;

    /// <summary>Vectors shorter than this use <see cref="TinyAxpy"/> and <see cref="TinyDot"/> instead of TensorPrimitives.</summary>
    internal const int TinyLength = 64;

    /// <summary>Products up to this many multiply-adds (m·k·n) in <see cref="MultiplyInBatch"/> take the tiny path.</summary>
    internal const int TinyVolume = 512;

    /// <summary>
    /// One product of a batched matmul: <see cref="Multiply"/>, except that over many tiny matrices (e.g. a gate's
    /// [1, experts]·[experts, width] per row) pinning, a job and a kernel dispatch per matrix would cost more than the
    /// arithmetic, so those take a direct loop. Kept apart from <see cref="Multiply"/> so that a layer's rows come out the
    /// same whatever the batch size.
    /// </summary>
    internal static void MultiplyInBatch(ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int k, int n)
    {
        if (UseSmallPaths && m > 0 && n > 0 && (long)m * k * n <= TinyVolume) MultiplyTiny(a, transA, b, transB, c, m, k, n, accumulate: false);
        else Multiply(a, transA, b, transB, c, m, k, n);
    }

    // Row by row in the forms whose operands are contiguous: C's row as a sum of B's rows scaled by A's entries (B not
    // transposed), or as dot products with B's rows (B transposed).
    private static void MultiplyTiny(ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int k, int n, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * n, n);
            if (transB)
            {
                for (int j = 0; j < n; j++)
                {
                    var bRow = b.Slice(j * k, k);
                    float sum;
                    if (transA)
                    {
                        sum = 0f;
                        for (int p = 0; p < k; p++) sum = MathF.FusedMultiplyAdd(a[p * m + i], bRow[p], sum);
                    }
                    else
                    {
                        sum = TinyDot(a.Slice(i * k, k), bRow);
                    }
                    row[j] = accumulate ? row[j] + sum : sum;
                }
            }
            else
            {
                if (!accumulate) row.Clear();
                for (int p = 0; p < k; p++) TinyAxpy(transA ? a[p * m + i] : a[i * k + p], b.Slice(p * n, n), row);
            }
        }
    }

    // y += alpha·x and x·y for short vectors (below TinyLength), where TensorPrimitives' general entry costs more than the
    // arithmetic.
    internal static void TinyAxpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0, n = y.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                (va * Vector256.LoadUnsafe(ref xr, (nuint)i) + Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) y[i] += alpha * x[i];
    }

    internal static float TinyDot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int i = 0, n = x.Length;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float yr = ref MemoryMarshal.GetReference(y);
            var acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                acc += Vector256.LoadUnsafe(ref xr, (nuint)i) * Vector256.LoadUnsafe(ref yr, (nuint)i);
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TK>(GemmJob job) where TK : struct, IGemmKernel
    {
        long volume = (long)job.M * job.K * job.N;
        if (UseSmallPaths)
        {
            if (job.M == 1 || job.N == 1)
            {
                GemmSmall.MultiplyVector(job);
                return;
            }
            if (volume <= SmallPathMaxVolume && GemmSmall.Fits<TK>(job))
            {
                GemmSmall.Multiply<TK>(job);
                return;
            }
        }
        long flops = 2 * volume;
        int threads = MaxThreads;
        if (threads < 2 || flops < ParallelThresholdFlops)
        {
            GemmPacked.Multiply<TK>(job);
            return;
        }

        RunParallel<TK>(job, threads);
    }

    // Kept apart from Run because a lambda's captured locals are allocated on entry to the method
    // that declares them, which would cost every single-threaded call an allocation.
    private static void RunParallel<TK>(GemmJob job, int threads) where TK : struct, IGemmKernel
    {
        // Splitting the larger output dimension duplicates the packing of the smaller operand only.
        bool splitRows = job.M >= job.N;
        int unit = splitRows ? TK.Mr : TK.Nr;
        int extent = splitRows ? job.M : job.N;
        int units = (extent + unit - 1) / unit;
        threads = Math.Min(threads, units);
        if (threads < 2)
        {
            GemmPacked.Multiply<TK>(job);
            return;
        }
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int start = (int)((long)units * t / threads) * unit;
            int end = Math.Min(extent, (int)((long)units * (t + 1) / threads) * unit);
            if (end > start)
                GemmPacked.Multiply<TK>(splitRows ? job.Rows(start, end - start) : job.Columns(start, end - start));
        });
    }
}

/// <summary>One product with explicit leading dimensions, so a slice of it is again a product.</summary>
internal readonly unsafe struct GemmJob
{
    public readonly float* A, B, C;
    public readonly nint Lda, Ldb, Ldc;
    public readonly bool TransA, TransB, Accumulate;
    public readonly int M, K, N;

    public GemmJob(float* a, nint lda, bool transA, float* b, nint ldb, bool transB, float* c, nint ldc, int m, int k, int n, bool accumulate)
    {
        A = a; Lda = lda; TransA = transA;
        B = b; Ldb = ldb; TransB = transB;
        C = c; Ldc = ldc;
        M = m; K = k; N = n; Accumulate = accumulate;
    }

    /// <summary>Rows [start, start+count) of C.</summary>
    public GemmJob Rows(int start, int count) =>
        new(TransA ? A + start : A + start * Lda, Lda, TransA, B, Ldb, TransB, C + start * Ldc, Ldc, count, K, N, Accumulate);

    /// <summary>Columns [start, start+count) of C.</summary>
    public GemmJob Columns(int start, int count) =>
        new(A, Lda, TransA, TransB ? B + start * Ldb : B + start, Ldb, TransB, C + start, Ldc, M, K, count, Accumulate);
}

/// <summary>A register-tiled micro-kernel: C[Mr×Nr] (+)= Apanel·Bpanel over kc packed steps.</summary>
internal interface IGemmKernel
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of the register tile.</summary>
    static abstract int Nr { get; }

    /// <summary>
    /// Whether packing may use AVX transposes; the 128-bit and scalar paths stand in for CPUs
    /// without AVX, so they pack without it (and tests reach that code on any machine).
    /// </summary>
    static abstract bool AvxPacking { get; }

    /// <summary>
    /// Runs one tile: <paramref name="a"/> holds kc groups of Mr values, <paramref name="b"/> kc groups of
    /// Nr values; C rows are <paramref name="ldc"/> apart and are read first only when <paramref name="load"/>.
    /// </summary>
    static abstract unsafe void Run(float* a, float* b, int kc, float* c, nint ldc, bool load);

    /// <summary>Columns of the small-path tile (four rows).</summary>
    static abstract int SmallNr { get; }

    /// <summary>
    /// Small-path tile: C[4×SmallNr] (+)= A·B over k steps, with row r of A walked from <paramref name="a0"/>..
    /// <paramref name="a3"/> in steps of <paramref name="ps"/> and rows of B <paramref name="ldb"/> apart.
    /// </summary>
    static abstract unsafe void RunSmall(float* a0, float* a1, float* a2, float* a3, nint ps, float* b, nint ldb, int k, float* c, nint ldc, bool load);
}
