using System.Runtime.InteropServices;

namespace MultiTask.Benchmarks;

/// <summary>OpenBLAS's cblas_sgemm, loaded at run time so the benchmark still runs where it is missing.</summary>
public static unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> s_sgemm;
    private static readonly delegate* unmanaged<int, void> s_setThreads;

    static OpenBlas()
    {
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll" })
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var sgemm)) continue;
            s_sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
            if (NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var setThreads))
                s_setThreads = (delegate* unmanaged<int, void>)setThreads;
            LibraryName = name;
            if (NativeLibrary.TryGetExport(handle, "openblas_get_corename", out var coreName))
                CoreName = Marshal.PtrToStringAnsi(((delegate* unmanaged<nint>)coreName)());
            if (NativeLibrary.TryGetExport(handle, "openblas_get_config", out var config))
                Config = Marshal.PtrToStringAnsi(((delegate* unmanaged<nint>)config)());
            break;
        }
    }

    /// <summary>The library that was loaded, or null.</summary>
    public static string? LibraryName { get; }

    /// <summary>The kernel family OpenBLAS picked for this CPU (its DYNAMIC_ARCH choice), or null.</summary>
    public static string? CoreName { get; }

    /// <summary>OpenBLAS's build configuration string, or null.</summary>
    public static string? Config { get; }

    public static bool IsAvailable => s_sgemm != null;

    public static void SetThreads(int threads)
    {
        if (s_setThreads != null) s_setThreads(threads);
    }

    /// <summary>Row-major C[m×n] = op(A)·op(B), the same contract as the engine's Gemm.Multiply.</summary>
    public static void Sgemm(float[] a, bool transA, float[] b, bool transB, float[] c, int m, int k, int n)
    {
        fixed (float* pa = a, pb = b, pc = c)
            s_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k,
                1f, pa, transA ? m : k, pb, transB ? k : n, 0f, pc, n);
    }
}
