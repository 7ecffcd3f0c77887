using System.Diagnostics;
using System.Globalization;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Data.Streaming;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;

// Usage: MultiTask.StreamingMemoryCheck <csv> stream|memory [bufferRows] [chunkRows]
// The CSV has the columns of tests/MultiTask.Tests/Data/Streaming/StreamingTestData.cs (without quantile encodings).
// stream: one pass to fit the encoder, one epoch of streaming training. memory: the whole file loaded and encoded.
// Prints one line: "rows=N seconds=S peak_working_set=B gc_heap=B".
string path = args[0];
string mode = args[1];
int bufferRows = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16_384;
int chunkRows = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 8_192;

string[] features = ["id", "size", "age", "city"];
var schema = new FeatureSchema().Numeric("id").Numeric("size").Numeric("age").Categorical("city", "north", "south", "east");
TaskSpec[] tasks =
[
    TaskSpec.Regression("price", features) with { TargetTransform = TargetTransform.Log },
    TaskSpec.Binary("sold", features),
];

var watch = Stopwatch.StartNew();
long rows;
if (mode == "stream")
{
    var data = StreamingDataset.FromCsv(path, schema, tasks, chunkRows: chunkRows);
    var encoder = data.FitEncoder();
    var model = HardSharingModel.Create(ModelInput.From(encoder), new HardSharingOptions { Backbone = [16] }, new Generator(1));
    var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 1, Optimizer = new AdamOptions { LearningRate = 1e-3 } });
    var report = trainer.FitStreaming(new StreamingLoader(data, encoder, batchSize: 1024, bufferRows: bufferRows, seed: 1));
    if (!double.IsFinite(report.History[0].Values["loss"])) throw new InvalidOperationException("training diverged");
    rows = data.RowCount;
}
else
{
    var data = MultiTaskDataset.FromCsv(path, schema, tasks);
    var encoded = FeatureEncoder.Fit(data).Transform(data);
    rows = encoded.RowCount;
    GC.KeepAlive(data);
}
var process = Process.GetCurrentProcess();
process.Refresh();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"rows={rows} seconds={watch.Elapsed.TotalSeconds:F2} peak_working_set={process.PeakWorkingSet64} gc_heap={GC.GetGCMemoryInfo().HeapSizeBytes}"));
