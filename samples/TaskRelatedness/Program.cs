using System.Diagnostics;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Diagnostics;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Training;

// How the tasks of two real tables relate while one hard-sharing network learns them (docs/diagnostics.md): gradient
// cosines and conflict frequencies on the shared layers, inter-task affinities, and the task groups they suggest.
//   dotnet run --project samples/TaskRelatedness -c Release [-- --quick]
// --quick (CI) runs a fraction of the epochs: it checks the pipeline, not the numbers.
bool quick = args.Contains("--quick");
string folder = Path.Combine(AppContext.BaseDirectory, "data");
string outputDir = Path.Combine(Environment.CurrentDirectory, "relatedness-output");
Directory.CreateDirectory(outputDir);
var clock = Stopwatch.StartNew();

foreach (var (name, data, epochs, batch, every, groups) in new[]
{
    ("meats", TaskData.Meats(folder).All(), quick ? 5 : 100, 16, 2, 2),
    ("ames", TaskData.Ames(folder).All(), quick ? 2 : 40, 256, 2, 3),
})
{
    var encoded = FeatureEncoder.Fit(data).Transform(data);
    var model = MultiTaskModel.HardSharing(encoded.Width, [.. data.Tasks.Select(t => (t.Name, 1))], backbone: [64, 64], head: [32],
        generator: new Generator(1));
    // The lookahead is an SGD step with the optimizer's learning rate (1e-3), as in Fifty et al.; a much larger fixed step
    // overshoots once the losses are small (on meats, 0.05 made even a task's own step raise its loss late in training).
    var monitor = new TaskRelatednessMonitor(every);
    var report = new MultiTaskTrainer(model, new TrainerOptions
    {
        Epochs = epochs, BatchSize = batch, Seed = 1, Optimizer = new AdamOptions { LearningRate = 1e-3 }, Callbacks = [monitor],
    }).Fit(encoded);
    var relatedness = report.Diagnostic<TaskRelatedness>()!;
    Console.WriteLine($"== {name}: {data.Tasks.Count} tasks, {encoded.RowCount} rows, {epochs} epochs of batch {batch}, Adam 1e-3, measured every {every} steps, lookahead SGD at the learning rate, final loss {report.History[^1].Loss:0.0000}");
    Console.WriteLine(relatedness);
    for (int k = 1; k <= groups; k++) Console.Write($"k = {k}: " + relatedness.SuggestGroups(k));
    // Early and late epochs: relations change as the shared layers learn.
    foreach (var e in new[] { relatedness.Epochs[0], relatedness.Epochs[^1] })
        Console.WriteLine($"epoch {e.Epoch}: mean off-diagonal cosine {OffDiagonalMean(e.Cosine):0.000}, affinity {OffDiagonalMean(e.Affinity!):0.000000}");
    Console.WriteLine();
    Heatmap.Write(Path.Combine(outputDir, $"{name}-cosine"), $"{name}: gradient cosine on the shared layers", relatedness.Cosine, 1, "0.00");
    var affinity = relatedness.Affinity!;
    // The colours follow the off-diagonal entries (what grouping uses); a task's affinity onto itself is far larger.
    double limit = Enumerable.Range(0, affinity.Count).SelectMany(i => Enumerable.Range(0, affinity.Count).Where(j => j != i).Select(j => Math.Abs(affinity[i, j])))
        .Where(double.IsFinite).DefaultIfEmpty(1).Max();
    Heatmap.Write(Path.Combine(outputDir, $"{name}-affinity"), $"{name}: affinity Z[i -> j] x 1000", Scaled(affinity, 1000), 1000 * limit, "0.00");
}
Console.WriteLine($"heatmaps in {outputDir}; {clock.Elapsed.TotalSeconds:0} s");

static TaskMatrix Scaled(TaskMatrix m, double factor)
{
    var values = m.ToArray();
    for (int i = 0; i < m.Count; i++)
        for (int j = 0; j < m.Count; j++) values[i, j] *= factor;
    return new TaskMatrix(m.TaskNames, values);
}

static double OffDiagonalMean(TaskMatrix m)
{
    var values = new List<double>();
    for (int i = 0; i < m.Count; i++)
        for (int j = 0; j < m.Count; j++)
            if (i != j && double.IsFinite(m[i, j])) values.Add(m[i, j]);
    return values.Count == 0 ? double.NaN : values.Average();
}
