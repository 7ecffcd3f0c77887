using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Tests.Training;

/// <summary>Synthetic two-task regression: a = 2·x1 − x2 + ε, b = x1 + 0.5·x3 + ε, ε ~ N(0, Noise²); some rows label one task only.</summary>
internal static class TrainingData
{
    public const double Noise = 0.1;
    public static readonly string[] Features = ["x1", "x2", "x3"];

    public static FeatureSchema Schema() => new FeatureSchema().Numeric("x1").Numeric("x2").Numeric("x3");

    public static TaskSpec[] Tasks() => [TaskSpec.Regression("a", Features), TaskSpec.Regression("b", Features)];

    public static (MultiTaskDataset Data, double[][] X, double[] A, double[] B) Dataset(int rows, ulong seed, TaskSpec[]? tasks = null, bool negate = false)
    {
        var g = new Generator(seed);
        var x = new double[rows][];
        var a = new double[rows];
        var b = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            x[i] = [g.NextNormal(), g.NextNormal(), g.NextNormal()];
            a[i] = 2 * x[i][0] - x[i][1] + Noise * g.NextNormal();
            b[i] = x[i][0] + 0.5 * x[i][2] + Noise * g.NextNormal();
            if (negate) { a[i] = -a[i]; b[i] = -b[i]; }
            // Every fourth row lacks a label for one of the tasks.
            if (i % 4 == 1) a[i] = double.NaN;
            if (i % 4 == 2) b[i] = double.NaN;
        }
        var labels = new Dictionary<string, double[]> { ["a"] = a, ["b"] = b };
        return (MultiTaskDataset.FromArrays(Schema(), tasks ?? Tasks(), x, Features, labels), x, a, b);
    }

    public static (EncodedData Train, EncodedData Validation) Encoded(int trainRows = 160, int validationRows = 60, bool negateValidation = false)
    {
        var train = Dataset(trainRows, 11).Data;
        var encoder = FeatureEncoder.Fit(train);
        return (encoder.Transform(train), encoder.Transform(Dataset(validationRows, 12, negate: negateValidation).Data));
    }

    public static HardSharingModel Model(int inputSize, ulong seed = 1, params string[] tasks) =>
        MultiTaskModel.HardSharing(inputSize, (tasks.Length == 0 ? ["a", "b"] : tasks).Select(t => (t, 1)).ToArray(), backbone: [16], generator: new Generator(seed));

    public static float[][] Weights(MultiTaskModel model) => model.Parameters().Select(p => p.ToArray()).ToArray();
}
