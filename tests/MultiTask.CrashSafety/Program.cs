using System.Globalization;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Weighting;

// Usage: MultiTask.CrashSafety <checkpoint directory> <output file> <epochs>
// Trains a fixed two-task problem with a checkpoint after every epoch, resuming from the checkpoint when a complete
// one (or its .previous fallback) exists, and writes the final weights and history as text. The parent test kills it
// with SIGKILL at random points and compares the output of the interrupted runs with an uninterrupted one.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: MultiTask.CrashSafety <checkpoint directory> <output file> <epochs>");
    return 2;
}
string checkpoint = args[0], output = args[1];
int epochs = int.Parse(args[2], CultureInfo.InvariantCulture);

string[] features = [.. Enumerable.Range(0, 8).Select(i => $"x{i}")];
var schema = new FeatureSchema();
foreach (var f in features) schema = schema.Numeric(f);
TaskSpec[] tasks = [TaskSpec.Regression("a", features), TaskSpec.Regression("b", features)];

MultiTaskDataset Data(int rows, ulong seed)
{
    var g = new Generator(seed);
    var x = new double[rows][];
    var a = new double[rows];
    var b = new double[rows];
    for (int i = 0; i < rows; i++)
    {
        x[i] = [.. features.Select(_ => g.NextNormal())];
        a[i] = 2 * x[i][0] - x[i][1] + 0.3 * x[i][2] * x[i][3] + 0.1 * g.NextNormal();
        b[i] = x[i][0] + 0.5 * x[i][4] - x[i][5] + 0.1 * g.NextNormal();
        if (i % 5 == 1) a[i] = double.NaN;
        if (i % 5 == 2) b[i] = double.NaN;
    }
    return MultiTaskDataset.FromArrays(schema, tasks, x, features, new Dictionary<string, double[]> { ["a"] = a, ["b"] = b });
}

var trainSet = Data(192, 1);
var encoder = FeatureEncoder.Fit(trainSet);
var train = encoder.Transform(trainSet);
var validation = encoder.Transform(Data(64, 2));

var model = MultiTaskModel.HardSharing(train.Width, [("a", 1), ("b", 1)], backbone: [128, 64], generator: new Generator(7));
var options = new TrainerOptions
{
    Epochs = epochs,
    BatchSize = 32,
    Seed = 11,
    MaxThreads = 1,
    Optimizer = new AdamOptions { LearningRate = 3e-3 },
    Weighting = new UncertaintyWeighting(),
    Sampler = TaskSampler.Dynamic(0.5),
    Callbacks =
    [
        new Signal(),
        new EarlyStopping("val_loss", patience: 1_000),
        new LearningRateScheduler(o => new StepLR(o, stepSize: 5, gamma: 0.8)),
        new ModelCheckpoint(checkpoint),
    ],
};
var trainer = new MultiTaskTrainer(model, options);
bool complete = File.Exists(Path.Combine(checkpoint, MultiTaskTrainer.TrainerFileName))
    || File.Exists(Path.Combine(checkpoint + ".previous", MultiTaskTrainer.TrainerFileName));
var report = trainer.Fit(train, validation, resumeFrom: complete ? checkpoint : null);

var lines = new List<string>();
foreach (var (name, tensor) in model.StateDict())
    lines.Add(name + " " + string.Join(",", tensor.ToArray().Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture))));
foreach (var record in report.History) lines.Add(record.ToString());
File.WriteAllLines(output + ".tmp", lines);
File.Move(output + ".tmp", output, overwrite: true);
Console.WriteLine("done");
return 0;

/// <summary>Tells the parent where training is: "begin &lt;epoch&gt;" once resumed, "epoch &lt;epoch&gt;" just before the epoch's checkpoint is written.</summary>
internal sealed class Signal : Callback
{
    public override void OnTrainBegin(TrainingContext context) => Console.Out.WriteLine($"begin {context.Epoch}");

    public override void OnEpochEnd(TrainingContext context) => Console.Out.WriteLine($"epoch {context.LastEpoch!.Epoch}");
}
