using System.Reflection;
using System.Runtime.InteropServices;
using MultiTask.Training;
using MpiNative = MPI.Unsafe;

namespace MultiTask.Distributed;

/// <summary>
/// The ranks of an MPI job (<c>MPI_COMM_WORLD</c>) as a <see cref="ProcessGroup"/>: set it as
/// <see cref="TrainerOptions.ProcessGroup"/> in a program started with <c>mpiexec -np N dotnet Program.dll</c>.
/// </summary>
/// <remarks>
/// <para>Built on MPI.NET, which calls MS-MPI's library. On Linux and macOS that name is mapped to an MPI with the same
/// ABI: MPICH (<c>libmpich.so.12</c>, Debian's <c>mpich</c> package) or one of its derivatives (Intel MPI, MVAPICH,
/// Cray MPICH, as <c>libmpi.so.12</c>); set <c>MULTITASK_MPI_LIBRARY</c> to a library path to choose another. Open MPI
/// has another ABI and is not supported.</para>
/// <para>The sums are <c>MPI_Allreduce</c> with <c>MPI_SUM</c> in place; MPICH's algorithms give every rank the same
/// bits for a given number of ranks and message length, which the trainer relies on (see <see cref="ProcessGroup"/>).
/// Errors are fatal to the job (MPI's default): when a rank dies, <c>mpiexec</c> ends the other ranks and exits
/// non-zero, so no rank waits forever. <see cref="Run"/> turns an exception on one rank into such an end too.</para>
/// </remarks>
public sealed class MpiProcessGroup : ProcessGroup, IDisposable
{
    /// <summary>The environment variable naming the MPI library to load instead of the defaults.</summary>
    public const string LibraryVariable = "MULTITASK_MPI_LIBRARY";

    // MPI_IN_PLACE is (void*)-1 in both MS-MPI and MPICH.
    private static readonly IntPtr InPlace = new(-1);
    private static readonly Lock ResolverLock = new();
    private static bool s_resolverSet;
    private MPI.Environment? _environment;

    private MpiProcessGroup(MPI.Environment environment)
    {
        _environment = environment;
        Rank = MPI.Communicator.world.Rank;
        Size = MPI.Communicator.world.Size;
    }

    /// <inheritdoc />
    public override int Rank { get; }

    /// <inheritdoc />
    public override int Size { get; }

    /// <summary>
    /// Initialises MPI (once per process) and returns the group of all the job's ranks; dispose it at the end of the
    /// program to finalise MPI. A program started without <c>mpiexec</c> gets a group of one rank.
    /// </summary>
    /// <param name="args">The program's arguments; MPI may remove the ones it recognises.</param>
    /// <returns>The group of every rank in the job.</returns>
    /// <exception cref="DllNotFoundException">No MPI library with MS-MPI's ABI was found; the message says what to install.</exception>
    public static MpiProcessGroup Initialize(ref string[] args)
    {
        RegisterResolver();
        return new MpiProcessGroup(new MPI.Environment(ref args));
    }

    /// <summary>
    /// Runs <paramref name="body"/> on this rank with the job's group and returns its exit code. An exception that
    /// escapes <paramref name="body"/> is written to standard error with the rank and then ends the whole job
    /// (<c>MPI_Abort</c>), so the other ranks do not wait for this one in their next collective call.
    /// </summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="body">The rank's work; receives the group and the arguments MPI left.</param>
    /// <returns>The exit code of <paramref name="body"/>.</returns>
    public static int Run(string[] args, Func<MpiProcessGroup, string[], int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var group = Initialize(ref args);
        int code;
        try
        {
            code = body(group, args);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"Rank {group.Rank} of {group.Size} failed, ending the job: {e}");
            Console.Error.Flush();
            // MPI_Abort has mpiexec kill every rank at once, and text still in the pipe to mpiexec can be lost with them
            // (observed: a job whose output was empty); a moment lets it forward the message first. The other
            // ranks are blocked in their next collective meanwhile, so nothing runs on.
            Thread.Sleep(AbortDelay);
            group.Abort(1);
            throw;
        }
        return code;
    }

    // How long a failing rank waits between printing its error and aborting the job (see Run).
    private static readonly TimeSpan AbortDelay = TimeSpan.FromSeconds(1);

    /// <summary>Ends every rank of the job at once (<c>MPI_Abort</c>) with <paramref name="errorCode"/>; does not return.</summary>
    /// <param name="errorCode">The exit code <c>mpiexec</c> reports.</param>
    public void Abort(int errorCode) => MPI.Communicator.world.Abort(errorCode);

    /// <inheritdoc />
    public override unsafe void AllReduceSum(Span<float> values)
    {
        fixed (float* p = values) Chunked((IntPtr)p, values.Length, sizeof(float), MpiNative.MPI_FLOAT, AllReduce);
    }

    /// <inheritdoc />
    public override unsafe void AllReduceSum(Span<double> values)
    {
        fixed (double* p = values) Chunked((IntPtr)p, values.Length, sizeof(double), MpiNative.MPI_DOUBLE, AllReduce);
    }

    /// <inheritdoc />
    public override unsafe void Broadcast(Span<float> values, int root)
    {
        CheckRoot(root);
        fixed (float* p = values) Chunked((IntPtr)p, values.Length, sizeof(float), MpiNative.MPI_FLOAT, (b, n, t) => Bcast(b, n, t, root));
    }

    /// <inheritdoc />
    public override unsafe void Broadcast(Span<double> values, int root)
    {
        CheckRoot(root);
        fixed (double* p = values) Chunked((IntPtr)p, values.Length, sizeof(double), MpiNative.MPI_DOUBLE, (b, n, t) => Bcast(b, n, t, root));
    }

    /// <inheritdoc />
    public override void Barrier() => Check(MpiNative.MPI_Barrier(MpiNative.MPI_COMM_WORLD), "MPI_Barrier");

    /// <summary>Finalises MPI; call it on every rank once training is over.</summary>
    public void Dispose()
    {
        _environment?.Dispose();
        _environment = null;
    }

    private static void AllReduce(IntPtr buffer, int count, int type) =>
        Check(MpiNative.MPI_Allreduce(InPlace, buffer, count, type, MpiNative.MPI_SUM, MpiNative.MPI_COMM_WORLD), "MPI_Allreduce");

    private static void Bcast(IntPtr buffer, int count, int type, int root) =>
        Check(MpiNative.MPI_Bcast(buffer, count, type, root, MpiNative.MPI_COMM_WORLD), "MPI_Bcast");

    /// <summary>MPI counts are ints: longer buffers go in pieces of at most 2³⁰ elements.</summary>
    private static void Chunked(IntPtr buffer, int length, int elementSize, int type, Action<IntPtr, int, int> call)
    {
        const int piece = 1 << 30;
        for (long start = 0; start < length; start += piece)
            call(buffer + (nint)(start * elementSize), (int)Math.Min(piece, length - start), type);
    }

    private void CheckRoot(int root)
    {
        if ((uint)root >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank from 0 to {Size - 1}; got {root}.");
    }

    private static void Check(int code, string call)
    {
        if (code != 0)
            throw new InvalidOperationException($"{call} failed with MPI error code {code}: a rank of the job has probably died; restart the job from the last checkpoint.");
    }

    /// <summary>Maps MPI.NET's MS-MPI library name to an MPICH-ABI library where MS-MPI does not exist.</summary>
    private static void RegisterResolver()
    {
        lock (ResolverLock)
        {
            if (s_resolverSet) return;
            NativeLibrary.SetDllImportResolver(typeof(MPI.Communicator).Assembly, Resolve);
            s_resolverSet = true;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!name.StartsWith("msmpi", StringComparison.OrdinalIgnoreCase) || OperatingSystem.IsWindows()) return IntPtr.Zero;
        string? chosen = System.Environment.GetEnvironmentVariable(LibraryVariable);
        string[] candidates = string.IsNullOrEmpty(chosen)
            ? OperatingSystem.IsMacOS() ? ["libmpich.12.dylib", "libmpi.12.dylib"] : ["libmpich.so.12", "libmpi.so.12"]
            : [chosen];
        foreach (var candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        }
        throw new DllNotFoundException(
            $"No MPI library with MPICH's ABI could be loaded (tried {string.Join(", ", candidates)}). Install MPICH (Debian/Ubuntu: apt-get install mpich libmpich-dev) " +
            $"or set {LibraryVariable} to the path of an MPICH-compatible libmpi.");
    }
}
