using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;

// A user's project in miniature: reference the MultiTask package (which brings MultiTask.Engine),
// train a two-task model on rows where each task has only some labels, and fail loudly if it did
// not learn.
var rng = new Generator(1);
int n = 300;
var x = new double[n];
var a = new double[n];
var b = new double[n];
for (int i = 0; i < n; i++)
{
    x[i] = rng.NextNormal();
    a[i] = i % 3 == 0 ? double.NaN : 2 * x[i] + 0.05 * rng.NextNormal();          // a third unlabelled
    b[i] = i % 2 == 0 ? double.NaN : x[i] * x[i] + 0.05 * rng.NextNormal();       // half unlabelled
}
var schema = new FeatureSchema().Numeric("x");
var data = MultiTaskDataset.FromTable(schema, [TaskSpec.Regression("a", ["x"]), TaskSpec.Regression("b", ["x"])],
    new Table().Add("x", x).Add("a", a).Add("b", b));
var encoder = FeatureEncoder.Fit(data);
var model = MultiTaskModel.HardSharing(encoder, backbone: [16, 16], generator: new Generator(2));
var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 60, Seed = 3, Optimizer = new AdamOptions { LearningRate = 1e-2 } });
trainer.Fit(encoder.Transform(data));
var result = trainer.Evaluate(encoder.Transform(data));
double rmseA = result["a"]["rmse"], rmseB = result["b"]["rmse"];
Console.WriteLine($"package smoke test: training RMSE a = {rmseA:G3}, b = {rmseB:G3}");
return rmseA < 0.3 && rmseB < 0.3 ? 0 : 1;
