namespace MultiTask.Benchmarks;

/// <summary>Files of the repository the benchmarks read (data sets, reference scripts), found from the build output upwards.</summary>
internal static class Repository
{
    /// <summary>The full path of <paramref name="relative"/> under the folder holding MultiTask.sln.</summary>
    public static string File(params string[] relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "MultiTask.sln"))) return Path.Combine([dir.FullName, .. relative]);
        throw new DirectoryNotFoundException("MultiTask.sln not found above the benchmark.");
    }
}
