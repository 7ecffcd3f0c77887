using System.Globalization;
using MultiTask.Engine.Autograd;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

// Houses and apartments: two related price tasks with different features and very different amounts
// of data, trained as one model (a shared backbone with one head per task) directly on the engine.
// Each row carries a label for one task only; the other task's label is masked out of the loss.

const int Seed = 7;
var rng = new Generator(Seed);
var data = SyntheticHousing.Generate(rng, houses: 2000, apartments: 120);
var (train, test) = data.Split(rng, testFraction: 0.25);
var scaler = FeatureScaler.Fit(train);

Console.WriteLine($"Houses: {data.Count(SyntheticHousing.House)} rows, apartments: {data.Count(SyntheticHousing.Apartment)} rows " +
                  $"({train.Rows} train / {test.Rows} test)");
Console.WriteLine();

var results = new List<(string Setup, double House, double Apartment)>();
var single = TrainAndEvaluate("single-task (one model per task)", multiTask: false);
var joint = TrainAndEvaluate("multi-task (shared backbone, two heads)", multiTask: true);

Console.WriteLine();
Console.WriteLine($"{"setup",-42} {"house RMSE",12} {"apartment RMSE",15}");
foreach (var (setup, house, apartment) in results)
    Console.WriteLine($"{setup,-42} {house,12:N0} {apartment,15:N0}");
double change = 100 * (single.Apartment - joint.Apartment) / single.Apartment;
Console.WriteLine();
Console.WriteLine($"Apartment RMSE change from sharing: {change:+0.0;-0.0}% (positive = multi-task is better).");

(double House, double Apartment) TrainAndEvaluate(string setup, bool multiTask)
{
    var gen = new Generator(Seed + 1);
    double[] rmse = new double[2];
    if (multiTask)
    {
        var model = new TwoHeadModel(SyntheticHousing.FeatureCount, gen);
        Fit(model, train, [0, 1], gen);
        rmse = Evaluate(model, test);
    }
    else
    {
        for (int task = 0; task < 2; task++)
        {
            var model = new TwoHeadModel(SyntheticHousing.FeatureCount, gen);
            Fit(model, train, [task], gen);
            rmse[task] = Evaluate(model, test)[task];
        }
    }
    results.Add((setup, rmse[0], rmse[1]));
    return (rmse[0], rmse[1]);
}

void Fit(TwoHeadModel model, HousingData split, int[] tasks, Generator gen)
{
    var optimizer = new Adam(model.Parameters(), lr: 3e-3);
    var loss = new MSELoss();
    var x = scaler.Transform(split);
    var targets = scaler.Targets(split);
    const int Epochs = 150, BatchSize = 64;
    for (int epoch = 0; epoch < Epochs; epoch++)
    {
        model.Train();
        var order = Permutation(split.Rows, gen);
        for (int start = 0; start < split.Rows; start += BatchSize)
        {
            int end = Math.Min(start + BatchSize, split.Rows);
            var batch = order[start..end];
            var xb = x.IndexSelect(0, batch);
            var (house, apartment) = model.Forward(xb);
            Tensor? total = null;
            foreach (int task in tasks)
            {
                var yb = targets[task].Values.IndexSelect(0, batch);
                var mask = targets[task].Mask.IndexSelect(0, batch);
                if (mask.Sum().Item() == 0) continue; // no labels for this task in the batch
                var term = loss.Forward(task == 0 ? house : apartment, yb, mask);
                total = total is null ? term : total + term;
            }
            if (total is null) continue;
            optimizer.ZeroGrad();
            total.Backward();
            optimizer.Step();
        }
    }
}

double[] Evaluate(TwoHeadModel model, HousingData split)
{
    model.Eval();
    using var _ = Autograd.NoGrad();
    var (house, apartment) = model.Forward(scaler.Transform(split));
    var predictions = new[] { house, apartment };
    var result = new double[2];
    for (int task = 0; task < 2; task++)
    {
        var pred = scaler.InverseTarget(task, predictions[task]).ToArray();
        double sum = 0;
        int n = 0;
        for (int i = 0; i < split.Rows; i++)
        {
            if (split.Task[i] != task) continue;
            double e = pred[i] - split.Price[i];
            sum += e * e;
            n++;
        }
        result[task] = Math.Sqrt(sum / Math.Max(n, 1));
    }
    return result;
}

static int[] Permutation(int n, Generator gen)
{
    var order = Enumerable.Range(0, n).ToArray();
    for (int i = n - 1; i > 0; i--)
    {
        int j = (int)gen.NextInt64(0, i + 1);
        (order[i], order[j]) = (order[j], order[i]);
    }
    return order;
}
