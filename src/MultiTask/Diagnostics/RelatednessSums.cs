namespace MultiTask.Diagnostics;

/// <summary>Running sums of cosines, conflicts and affinities over sampled steps (one per epoch, one for the run).</summary>
internal sealed class RelatednessSums(int tasks)
{
    private readonly double[,] _cosine = new double[tasks, tasks];
    private readonly int[,] _cosineCount = new int[tasks, tasks];
    private readonly int[,] _conflicts = new int[tasks, tasks];
    private readonly double[,] _affinity = new double[tasks, tasks];
    private readonly int[,] _affinityCount = new int[tasks, tasks];

    public int Steps { get; set; }

    public void AddCosine(int i, int j, double cosine)
    {
        _cosine[i, j] += cosine;
        _cosineCount[i, j]++;
        if (cosine < 0) _conflicts[i, j]++;
    }

    public void AddAffinity(int i, int j, double affinity)
    {
        _affinity[i, j] += affinity;
        _affinityCount[i, j]++;
    }

    public TaskMatrix Cosine(IReadOnlyList<string> names) => Mean(names, _cosine, _cosineCount);

    public TaskMatrix ConflictFrequency(IReadOnlyList<string> names)
    {
        var counts = new double[tasks, tasks];
        for (int i = 0; i < tasks; i++)
            for (int j = 0; j < tasks; j++) counts[i, j] = _conflicts[i, j];
        return Mean(names, counts, _cosineCount);
    }

    public TaskMatrix Affinity(IReadOnlyList<string> names) => Mean(names, _affinity, _affinityCount);

    private TaskMatrix Mean(IReadOnlyList<string> names, double[,] sums, int[,] counts)
    {
        var mean = new double[tasks, tasks];
        for (int i = 0; i < tasks; i++)
            for (int j = 0; j < tasks; j++) mean[i, j] = counts[i, j] == 0 ? double.NaN : sums[i, j] / counts[i, j];
        return new TaskMatrix(names, mean);
    }
}
