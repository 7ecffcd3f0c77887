using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

// A user's project in miniature: reference the MultiTask package (which brings MultiTask.Engine),
// fit a small model and fail loudly if it did not learn.
var gen = new Generator(1);
var x = Tensor.Randn(gen, 128, 3);
var y = x.Sum(1, keepDim: true) * 2f + 1f;
var model = new Sequential(new Linear(3, 16, generator: gen), new ReLU(), new Linear(16, 1, generator: gen));
var optimizer = new Adam(model.Parameters(), lr: 1e-2);
var mse = new MSELoss();
float loss = float.NaN;
for (int step = 0; step < 300; step++)
{
    optimizer.ZeroGrad();
    var l = mse.Forward(model.Forward(x), y);
    l.Backward();
    optimizer.Step();
    loss = l.Item();
}
Console.WriteLine($"package smoke test: final training MSE {loss:G4}");
return loss < 0.05f ? 0 : 1;
