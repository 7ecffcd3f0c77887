using FluentAssertions;
using MultiTask.Engine.Kernels;

namespace MultiTask.Engine.Tests.Kernels;

public class GemmTests
{
    // Paths travel as names because the enum is internal and xunit theories must be public.
    private static readonly string[] Paths = [nameof(GemmPath.Vector512), nameof(GemmPath.Vector256), nameof(GemmPath.Vector128), nameof(GemmPath.Scalar)];

    public static TheoryData<string, bool, bool> PathsAndForms()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var path in Paths)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    data.Add(path, ta, tb);
        return data;
    }

    public static TheoryData<string, bool, bool, bool> PathsFormsAndSmallPaths()
    {
        var data = new TheoryData<string, bool, bool, bool>();
        foreach (var path in Paths)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (bool small in new[] { false, true })
                        data.Add(path, ta, tb, small);
        return data;
    }

    public static TheoryData<string> AllPaths()
    {
        var data = new TheoryData<string>();
        foreach (var path in Paths) data.Add(path);
        return data;
    }

    /// <summary>A product with logical operands A (m×k) and B (k×n) stored as the form asks.</summary>
    private sealed class Case
    {
        public readonly int M, K, N;
        public readonly bool TransA, TransB;
        public readonly float[] A, B, StoredA, StoredB;

        public Case(int m, int k, int n, bool transA, bool transB, int seed)
        {
            M = m; K = k; N = n; TransA = transA; TransB = transB;
            var rng = new Random(seed);
            A = Random(rng, m * k);
            B = Random(rng, k * n);
            StoredA = transA ? Transpose(A, m, k) : A;
            StoredB = transB ? Transpose(B, k, n) : B;
        }

        public void Run(Span<float> c, bool accumulate = false) =>
            Gemm.Multiply(StoredA, TransA, StoredB, TransB, c, M, K, N, accumulate);

        /// <summary>Checks C against C0 + A·B computed in double, within a bound that grows with the dot length.</summary>
        public void Check(float[] c, float[]? c0 = null)
        {
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                {
                    double sum = c0?[i * N + j] ?? 0, mag = Math.Abs(sum);
                    for (int p = 0; p < K; p++)
                    {
                        double t = (double)A[i * K + p] * B[p * N + j];
                        sum += t;
                        mag += Math.Abs(t);
                    }
                    double tol = (K + 4) * 1.2e-7 * mag + 1e-30;
                    if (Math.Abs(c[i * N + j] - sum) > tol)
                        Assert.Fail($"{M}x{K}x{N} transA={TransA} transB={TransB}: C[{i},{j}] = {c[i * N + j]}, expected {sum} ± {tol}");
                }
        }
    }

    private static float[] Random(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static float[] Transpose(float[] x, int rows, int cols)
    {
        var t = new float[x.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                t[j * rows + i] = x[i * cols + j];
        return t;
    }

    private static void With(string path, int threads, Action body, bool smallPaths = true)
    {
        var (oldPath, oldThreads, oldSmall) = (Gemm.ForcedPath, Gemm.MaxThreads, Gemm.UseSmallPaths);
        Gemm.ForcedPath = Enum.Parse<GemmPath>(path);
        Gemm.MaxThreads = threads;
        Gemm.UseSmallPaths = smallPaths;
        try { body(); }
        finally { (Gemm.ForcedPath, Gemm.MaxThreads, Gemm.UseSmallPaths) = (oldPath, oldThreads, oldSmall); }
    }

    [Theory]
    [MemberData(nameof(PathsFormsAndSmallPaths))]
    public void Multiply_EverySmallShape_MatchesReference(string path, bool transA, bool transB, bool smallPaths) => With(path, 1, () =>
    {
        foreach (int k in new[] { 1, 3, 17 })
            for (int m = 0; m <= 40; m++)
                for (int n = 0; n <= 40; n++)
                {
                    var t = new Case(m, k, n, transA, transB, seed: m * 1000 + n * 10 + k);
                    var c = new float[m * n];
                    Array.Fill(c, float.NaN);
                    t.Run(c);
                    t.Check(c);
                }
    }, smallPaths);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void MultiplyInBatch_EveryTinyShape_MatchesReference(bool transA, bool transB)
    {
        // Volumes up to and just past Gemm.TinyVolume, so both the direct loop and the ordinary path run.
        foreach (int k in new[] { 1, 3, 8, 17 })
            for (int m = 0; m <= 24; m++)
                for (int n = 0; n <= 40; n++)
                {
                    var t = new Case(m, k, n, transA, transB, seed: m * 1000 + n * 10 + k);
                    var c = new float[m * n];
                    Array.Fill(c, float.NaN);
                    Gemm.MultiplyInBatch(t.StoredA, transA, t.StoredB, transB, c, m, k, n);
                    t.Check(c);
                }
    }

    [Theory]
    [MemberData(nameof(PathsAndForms))]
    public void Multiply_OddAndBlockCrossingShapes_MatchesReference(string path, bool transA, bool transB) => With(path, 1, () =>
    {
        // Past Kc (256), McTarget (192) and Nc (1024), so several packed blocks and a ragged last one run.
        int[][] shapes = [[1, 1, 1], [7, 300, 13], [129, 65, 257], [64, 8, 64], [1, 700, 1], [13, 1, 600], [200, 70, 40], [30, 520, 1100]];
        foreach (var s in shapes)
        {
            var t = new Case(s[0], s[1], s[2], transA, transB, seed: s[0] + s[1] + s[2]);
            var c = new float[s[0] * s[2]];
            t.Run(c);
            t.Check(c);
        }
    });

    [Theory]
    [MemberData(nameof(PathsFormsAndSmallPaths))]
    public void Multiply_Accumulate_AddsToExistingC(string path, bool transA, bool transB, bool smallPaths) => With(path, 1, () =>
    {
        int[][] shapes = [[1, 1, 1], [1, 20, 37], [29, 20, 1], [5, 9, 3], [13, 33, 37], [6, 1, 35], [40, 300, 70]];
        foreach (var s in shapes)
        {
            var t = new Case(s[0], s[1], s[2], transA, transB, seed: 7 * s[0] + s[2]);
            var c0 = Random(new Random(s[1]), s[0] * s[2]);
            var c = (float[])c0.Clone();
            t.Run(c, accumulate: true);
            t.Check(c, c0);
        }
    }, smallPaths);

    [Theory]
    [MemberData(nameof(PathsAndForms))]
    public void Multiply_SeveralThreads_MatchesReference(string path, bool transA, bool transB)
    {
        // Tall shapes split the rows, wide ones the columns; all are above the threading threshold,
        // and three threads give unequal parts.
        int[][] shapes = [[300, 300, 300], [40, 270, 1100], [257, 129, 131]];
        foreach (int threads in new[] { 2, 3 })
            With(path, threads, () =>
            {
                foreach (var s in shapes)
                    foreach (bool accumulate in new[] { false, true })
                    {
                        var t = new Case(s[0], s[1], s[2], transA, transB, seed: s[0] ^ s[2]);
                        var c0 = Random(new Random(3), s[0] * s[2]);
                        var c = (float[])c0.Clone();
                        t.Run(c, accumulate);
                        t.Check(c, accumulate ? c0 : null);
                    }
            });
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Multiply_OneThreadAfterWarmUp_DoesNotAllocate(string path) => With(path, 1, () =>
    {
        // Matrix-vector, small and packed paths, each form.
        int[][] shapes = [[1, 50, 40], [40, 50, 1], [64, 8, 64], [150, 300, 70]];
        var cases = new List<(Case Case, float[] C)>();
        foreach (var s in shapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    cases.Add((new Case(s[0], s[1], s[2], ta, tb, seed: 1), new float[s[0] * s[2]]));
        foreach (var (t, c) in cases)
        {
            t.Run(c);
            t.Run(c, accumulate: true);
        }
        var allocated = new long[cases.Count];
        Array.Fill(allocated, long.MaxValue);
        // One-time runtime allocations unrelated to the kernels (e.g. when tiered compilation swaps in
        // optimised code mid-pass) show up in one pass only; a kernel that allocates does so every pass.
        for (int pass = 0; pass < 4; pass++)
            for (int i = 0; i < cases.Count; i++)
            {
                var (t, c) = cases[i];
                long before = GC.GetAllocatedBytesForCurrentThread();
                t.Run(c);
                t.Run(c, accumulate: true);
                allocated[i] = Math.Min(allocated[i], GC.GetAllocatedBytesForCurrentThread() - before);
            }
        allocated.Should().OnlyContain(bytes => bytes == 0);
    });

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Multiply_ZeroTimesInfinity_IsNaN(string path) => With(path, 1, () =>
    {
        // 3 and 20 take the small path, 50 the packed one.
        foreach (int size in new[] { 3, 20, 50 })
        {
            var a = new float[size * size];
            var b = new float[size * size];
            Array.Fill(b, 1f);
            a[1 * size + 2] = float.PositiveInfinity; // C[1, :] = Inf
            b[2 * size + 0] = 0f;                     // ... except C[1, 0] = Inf·0 = NaN
            a[0 * size + 0] = float.NaN;              // C[0, :] = NaN
            var c = new float[size * size];
            Gemm.Multiply(a, false, b, false, c, size, size, size);
            c[0].Should().Be(float.NaN);
            c[size - 1].Should().Be(float.NaN);
            c[1 * size + 0].Should().Be(float.NaN);
            c[1 * size + 1].Should().Be(float.PositiveInfinity);
            c[2 * size + 0].Should().Be(0f);
        }
    });

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Multiply_MatrixVector_PropagatesNaNFromZeroTimesInfinity(string path) => With(path, 1, () =>
    {
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
            {
                // n = 1: C = A·b with A[1, 2] = Inf and b[2] = 0.
                var a = new float[4 * 3];
                a[transA ? 2 * 4 + 1 : 1 * 3 + 2] = float.PositiveInfinity;
                var b = new[] { 1f, 1f, 0f };
                var c = new float[4];
                Gemm.Multiply(a, transA, b, transB, c, 4, 3, 1);
                c.Should().Equal(0f, float.NaN, 0f, 0f);

                // m = 1: C = a·B with a[0] = Inf and B[0, 2] = 0.
                var row = new[] { float.PositiveInfinity, 1f };
                var bm = new float[2 * 3];
                Array.Fill(bm, 1f);
                bm[transB ? 2 * 2 + 0 : 0 * 3 + 2] = 0f;
                var c2 = new float[3];
                Gemm.Multiply(row, transA, bm, transB, c2, 1, 2, 3);
                c2.Should().Equal(float.PositiveInfinity, float.PositiveInfinity, float.NaN);
            }
    });

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Multiply_AccumulateFalse_IgnoresNaNAlreadyInC(string path) => With(path, 1, () =>
    {
        int[][] shapes = [[37, 300, 45], [9, 7, 21], [1, 30, 9], [9, 30, 1]];
        foreach (var s in shapes)
        {
            var t = new Case(s[0], s[1], s[2], false, true, seed: 5);
            var c = new float[s[0] * s[2]];
            Array.Fill(c, float.NaN);
            t.Run(c);
            t.Check(c);
        }
    });

    [Fact]
    public void Multiply_ZeroDepth_ClearsOrKeepsC()
    {
        var c = new[] { 1f, 2f, 3f, 4f };
        Gemm.Multiply([], false, [], false, c, 2, 0, 2, accumulate: true);
        c.Should().Equal(1f, 2f, 3f, 4f);
        Gemm.Multiply([], false, [], false, c, 2, 0, 2);
        c.Should().Equal(0f, 0f, 0f, 0f);
    }

    [Fact]
    public void Multiply_TooShortOrNegative_ThrowsNamingTheShape()
    {
        var act = () => Gemm.Multiply(new float[5], false, new float[6], false, new float[4], 2, 3, 2);
        act.Should().Throw<ArgumentException>().WithMessage("*A holds 5 elements*2×3*");
        act = () => Gemm.Multiply(new float[6], false, new float[5], true, new float[4], 2, 3, 2);
        act.Should().Throw<ArgumentException>().WithMessage("*B holds 5 elements*2×3*");
        act = () => Gemm.Multiply(new float[6], false, new float[6], false, new float[3], 2, 3, 2);
        act.Should().Throw<ArgumentException>().WithMessage("*C holds 3 elements*2×2*");
        act = () => Gemm.Multiply(new float[6], false, new float[6], false, new float[4], -1, 3, 2);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*m=-1*");
    }
}
