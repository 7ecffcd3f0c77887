using MultiTask.Data;
using MultiTask.Engine.Tensors;

namespace MultiTask.Training;

/// <summary>Holds out a seeded, per-task share of the training rows as validation data (<see cref="TrainerOptions.ValidationSplit"/>).</summary>
internal static class ValidationSplitter
{
    // Mixed into the trainer's seed so that the split's draws are not the loader's first shuffle.
    private const ulong SeedSalt = 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// The rows to hold out: rows are visited in a seeded random order, and a row labelled for at least one
    /// of <paramref name="tasks"/> is held out while every task it is labelled for still needs held-out rows.
    /// Task t needs round(fraction·nₜ) rows, at most nₜ − 1 so that it keeps a training label; a task that
    /// needs none keeps all its rows, and so do rows without a label for any of the tasks.
    /// </summary>
    public static int[] HeldOutRows(EncodedData data, IReadOnlyList<int> tasks, double fraction, ulong seed)
    {
        var labelled = tasks.Select(t => data.Mask(t).ToArray()).ToArray();
        var needed = tasks.Select(t =>
        {
            int n = data.LabelCount(t);
            return n == 0 ? 0 : Math.Clamp((int)Math.Round(fraction * n, MidpointRounding.AwayFromZero), 0, n - 1);
        }).ToArray();

        int rows = data.RowCount;
        var order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        var generator = new Generator(seed ^ SeedSalt);
        for (int i = rows - 1; i > 0; i--)
        {
            int j = (int)generator.NextInt64(0, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var taken = new int[tasks.Count];
        var held = new List<int>();
        foreach (int r in order)
        {
            bool any = false, fits = true;
            for (int t = 0; t < tasks.Count && fits; t++)
            {
                if (labelled[t][r] == 0f) continue;
                any = true;
                fits = taken[t] < needed[t];
            }
            if (!any || !fits) continue;
            held.Add(r);
            for (int t = 0; t < tasks.Count; t++)
                if (labelled[t][r] != 0f) taken[t]++;
        }
        held.Sort();
        return [.. held];
    }

    /// <summary>The rows of <paramref name="data"/> not in <paramref name="heldOut"/> (training) and those in it (validation), each in the original order.</summary>
    public static (EncodedData Train, EncodedData Validation) Split(EncodedData data, IReadOnlyList<int> heldOut)
    {
        var isHeld = new bool[data.RowCount];
        foreach (int r in heldOut) isHeld[r] = true;
        var kept = Enumerable.Range(0, data.RowCount).Where(r => !isHeld[r]).ToArray();
        return (Rows(data, kept), Rows(data, heldOut));
    }

    /// <summary>A copy of the given rows of <paramref name="data"/>, with the same encoder.</summary>
    public static EncodedData Rows(EncodedData data, IReadOnlyList<int> rows)
    {
        var batch = data.GetBatch(rows);
        var targets = new float[data.Tasks.Count][];
        var masks = new float[data.Tasks.Count][];
        for (int t = 0; t < data.Tasks.Count; t++)
        {
            targets[t] = batch.Targets(t).ToArray();
            masks[t] = batch.Mask(t).ToArray();
        }
        return new EncodedData(data.Encoder, rows.Count, batch.Inputs.ToArray(), targets, masks, data.UnknownCategoryCounts,
            data.Groups is { } groups ? [.. rows.Select(r => groups[r])] : null);
    }
}
