using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace MultiTask.Engine.Kernels;

/// <summary>The packed, cache-blocked single-thread SGEMM driver.</summary>
internal static unsafe class GemmPacked
{
    /// <summary>Depth of one packed block: a Kc×Nr panel of B (32 KB at Nr = 32) stays in L1 while A panels stream past it.</summary>
    internal const int Kc = 256;

    /// <summary>Columns of one packed B block (Kc×Nc floats = 1 MB, from L2/L3; each panel is read once per A block).</summary>
    internal const int Nc = 1024;

    /// <summary>Rows of one packed A block (McTarget×Kc floats = 192 KB, resident in L2), rounded down to whole tiles.</summary>
    internal const int McTarget = 192;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<TK>(GemmJob job) where TK : struct, IGemmKernel
    {
        var ws = GemmWorkspace.Current;
        int mr = TK.Mr, nr = TK.Nr;

        // Equal-sized blocks avoid a thin last block whose packing and tile overhead is not amortised.
        int kBlocks = (job.K + Kc - 1) / Kc;
        int kcStep = (job.K + kBlocks - 1) / kBlocks;
        int mcMax = McTarget / mr * mr;
        int mBlocks = (job.M + mcMax - 1) / mcMax;
        int mcStep = RoundUp((job.M + mBlocks - 1) / mBlocks, mr);

        for (int jc = 0; jc < job.N; jc += Nc)
        {
            int nc = Math.Min(Nc, job.N - jc);
            for (int pc = 0; pc < job.K; pc += kcStep)
            {
                int kc = Math.Min(kcStep, job.K - pc);
                bool load = job.Accumulate || pc > 0;
                if (job.TransB) PackGathered(job.B + jc * job.Ldb + pc, job.Ldb, nc, TK.Nr, kc, ws.B, TK.AvxPacking);
                else PackContiguous(job.B + pc * job.Ldb + jc, job.Ldb, nc, TK.Nr, kc, ws.B);
                for (int ic = 0; ic < job.M; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, job.M - ic);
                    if (job.TransA) PackContiguous(job.A + pc * job.Lda + ic, job.Lda, mc, TK.Mr, kc, ws.A);
                    else PackGathered(job.A + ic * job.Lda + pc, job.Lda, mc, TK.Mr, kc, ws.A, TK.AvxPacking);
                    Macro<TK>(ws.A, ws.B, job.C + ic * job.Ldc + jc, job.Ldc, mc, nc, kc, load, ws.Tile);
                }
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro<TK>(float* ap, float* bp, float* c, nint ldc, int mc, int nc, int kc, bool load, float* tile)
        where TK : struct, IGemmKernel
    {
        int mr = TK.Mr, nr = TK.Nr;
        for (int jr = 0; jr < nc; jr += nr)
        {
            float* bPanel = bp + (nint)jr * kc;
            int cols = Math.Min(nr, nc - jr);
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* aPanel = ap + (nint)ir * kc;
                float* cTile = c + ir * ldc + jr;
                if (rows == mr && cols == nr)
                {
                    TK.Run(aPanel, bPanel, kc, cTile, ldc, load);
                    continue;
                }

                // Edge tile: the padded panels yield a whole tile; only its valid corner reaches C.
                TK.Run(aPanel, bPanel, kc, tile, nr, false);
                for (int r = 0; r < rows; r++)
                {
                    float* dst = cTile + r * ldc;
                    float* src = tile + r * nr;
                    if (load)
                        for (int j = 0; j < cols; j++) dst[j] += src[j];
                    else
                        for (int j = 0; j < cols; j++) dst[j] = src[j];
                }
            }
        }
    }

    /// <summary>
    /// Packs <paramref name="count"/> lines of length <paramref name="depth"/> (row stride
    /// <paramref name="ld"/>) into panels of <paramref name="width"/> lines laid out [p][line],
    /// zero-padding the last panel: A (Mr-row panels) and a transposed B (Nr-column panels).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackGathered(float* src, nint ld, int count, int width, int depth, float* dst, bool avxPacking)
    {
        for (int l0 = 0; l0 < count; l0 += width)
            Gather(src + l0 * ld, ld, Math.Min(width, count - l0), width, depth, dst + (nint)l0 * depth, avxPacking);
    }

    /// <summary>
    /// Packs a <paramref name="depth"/>×<paramref name="count"/> block (row stride <paramref name="ld"/>)
    /// whose rows already run along the panel: panels of <paramref name="width"/> columns laid out
    /// [p][column], zero-padding the last panel: a transposed A (Mr-row panels) and B (Nr-column panels).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackContiguous(float* src, nint ld, int count, int width, int depth, float* dst)
    {
        for (int l0 = 0; l0 < count; l0 += width)
        {
            int lines = Math.Min(width, count - l0);
            float* panel = dst + (nint)l0 * depth;
            for (int p = 0; p < depth; p++)
            {
                float* s = src + p * ld + l0;
                float* d = panel + p * width;
                if (lines == width)
                {
                    Unsafe.CopyBlockUnaligned(d, s, (uint)(width * sizeof(float)));
                }
                else
                {
                    int l = 0;
                    for (; l < lines; l++) d[l] = s[l];
                    for (; l < width; l++) d[l] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Transposes <paramref name="count"/> rows of length kc (row stride ld) into dst[p * width + r],
    /// zero-filling rows count..width so edge panels are whole.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gather(float* src, nint ld, int count, int width, int kc, float* dst, bool avx)
    {
        int r = 0;
        if (avx && Avx.IsSupported)
        {
            for (; r + 8 <= count; r += 8) Gather8Avx(src + r * ld, ld, width, kc, dst + r);
        }
        // Eight source rows at a time: their cache lines stay in L1 while the panel is written sequentially.
        for (; r + 8 <= count; r += 8)
        {
            float* s0 = src + r * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
            float* s4 = s3 + ld, s5 = s4 + ld, s6 = s5 + ld, s7 = s6 + ld;
            float* d = dst + r;
            for (int p = 0; p < kc; p++, d += width)
            {
                d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
                d[4] = s4[p]; d[5] = s5[p]; d[6] = s6[p]; d[7] = s7[p];
            }
        }
        for (; r < count; r++)
        {
            float* s = src + r * ld;
            float* d = dst + r;
            for (int p = 0; p < kc; p++, d += width) *d = s[p];
        }
        for (; r < width; r++)
        {
            float* d = dst + r;
            for (int p = 0; p < kc; p++, d += width) *d = 0f;
        }
    }

    /// <summary>Eight rows by 8×8 register transposes: eight loads and eight stores per 64 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather8Avx(float* src, nint ld, int width, int kc, float* dst)
    {
        float* s0 = src, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
        float* s4 = s3 + ld, s5 = s4 + ld, s6 = s5 + ld, s7 = s6 + ld;
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            var r0 = Avx.LoadVector256(s0 + p);
            var r1 = Avx.LoadVector256(s1 + p);
            var r2 = Avx.LoadVector256(s2 + p);
            var r3 = Avx.LoadVector256(s3 + p);
            var r4 = Avx.LoadVector256(s4 + p);
            var r5 = Avx.LoadVector256(s5 + p);
            var r6 = Avx.LoadVector256(s6 + p);
            var r7 = Avx.LoadVector256(s7 + p);
            var t0 = Avx.UnpackLow(r0, r1);
            var t1 = Avx.UnpackHigh(r0, r1);
            var t2 = Avx.UnpackLow(r2, r3);
            var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5);
            var t5 = Avx.UnpackHigh(r4, r5);
            var t6 = Avx.UnpackLow(r6, r7);
            var t7 = Avx.UnpackHigh(r6, r7);
            var u0 = Avx.Shuffle(t0, t2, 0x44);
            var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44);
            var u3 = Avx.Shuffle(t1, t3, 0xEE);
            var u4 = Avx.Shuffle(t4, t6, 0x44);
            var u5 = Avx.Shuffle(t4, t6, 0xEE);
            var u6 = Avx.Shuffle(t5, t7, 0x44);
            var u7 = Avx.Shuffle(t5, t7, 0xEE);
            float* d = dst + (nint)p * width;
            Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
            Avx.Store(d + width, Avx.Permute2x128(u1, u5, 0x20));
            Avx.Store(d + 2 * width, Avx.Permute2x128(u2, u6, 0x20));
            Avx.Store(d + 3 * width, Avx.Permute2x128(u3, u7, 0x20));
            Avx.Store(d + 4 * width, Avx.Permute2x128(u0, u4, 0x31));
            Avx.Store(d + 5 * width, Avx.Permute2x128(u1, u5, 0x31));
            Avx.Store(d + 6 * width, Avx.Permute2x128(u2, u6, 0x31));
            Avx.Store(d + 7 * width, Avx.Permute2x128(u3, u7, 0x31));
        }
        for (; p < kc; p++)
        {
            float* d = dst + (nint)p * width;
            d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
            d[4] = s4[p]; d[5] = s5[p]; d[6] = s6[p]; d[7] = s7[p];
        }
    }
}

/// <summary>Per-thread packing buffers, pinned and 64-byte aligned, allocated once per thread.</summary>
internal sealed unsafe class GemmWorkspace
{
    private const int MaxMr = 12, MaxNr = 32, Align = 64;

    /// <summary>Floats the B buffer holds.</summary>
    public const int BCapacity = GemmPacked.Kc * GemmPacked.Nc;

    [ThreadStatic]
    private static GemmWorkspace? t_current;

    private readonly float[] _a, _b, _tile;

    private GemmWorkspace()
    {
        _a = GC.AllocateUninitializedArray<float>(GemmPacked.McTarget * GemmPacked.Kc + Align, pinned: true);
        _b = GC.AllocateUninitializedArray<float>(BCapacity + Align, pinned: true);
        _tile = GC.AllocateUninitializedArray<float>(MaxMr * MaxNr + Align, pinned: true);
        A = Aligned(_a);
        B = Aligned(_b);
        Tile = Aligned(_tile);
    }

    /// <summary>The calling thread's workspace.</summary>
    public static GemmWorkspace Current => t_current ??= new GemmWorkspace();

    /// <summary>Room for one packed A block (McTarget×Kc).</summary>
    public float* A { get; }

    /// <summary>Room for one packed B block (Kc×Nc).</summary>
    public float* B { get; }

    /// <summary>Room for one register tile, for edge tiles.</summary>
    public float* Tile { get; }

    private static float* Aligned(float[] array)
    {
        // Pinned arrays live on the POH and never move, so the address stays valid for the array's lifetime.
        nint address = (nint)Unsafe.AsPointer(ref array[0]);
        return (float*)((address + Align - 1) & ~(nint)(Align - 1));
    }
}
