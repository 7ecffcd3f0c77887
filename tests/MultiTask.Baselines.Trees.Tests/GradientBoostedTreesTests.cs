using FluentAssertions;
using Microsoft.ML.Trainers.FastTree;
using MultiTask.Data;
using MultiTask.Metrics;
using MultiTask.Tasks;

namespace MultiTask.Baselines.Trees.Tests;

public class GradientBoostedTreesTests
{
    private static readonly FeatureSchema Schema = new FeatureSchema().Numeric("x").Numeric("noise");

    /// <summary>A staircase of 4 steps on x in [0, 1): y = floor(4x), values 0..3.</summary>
    private static double Step(double x) => Math.Floor(4 * x);

    private static double[][] Inputs(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => new[] { rng.NextDouble(), rng.NextDouble() }).ToArray();
    }

    private static MultiTaskDataset Dataset(IReadOnlyList<TaskSpec> tasks, double[][] x, Dictionary<string, double[]> labels,
        TableOptions? options = null) =>
        MultiTaskDataset.FromArrays(Schema, tasks, x, ["x", "noise"], labels, options);

    private static double[] Targets(double[][] x, double offset) => x.Select(r => Step(r[0]) + offset).ToArray();

    private static double Rmse(float[] predictions, double[] targets) =>
        Math.Sqrt(predictions.Zip(targets, (p, y) => (p - y) * (p - y)).Average());

    [Fact]
    public void Defaults_are_ml_net_fasttree_defaults()
    {
        var ours = new GradientBoostedTreesOptions();
        var regression = new FastTreeRegressionTrainer.Options();
        var binary = new FastTreeBinaryTrainer.Options();
        foreach (BoostedTreeOptions ml in new BoostedTreeOptions[] { regression, binary })
        {
            ours.NumberOfTrees.Should().Be(ml.NumberOfTrees);
            ours.NumberOfLeaves.Should().Be(ml.NumberOfLeaves);
            ours.LearningRate.Should().Be(ml.LearningRate);
            ours.MinimumExampleCountPerLeaf.Should().Be(ml.MinimumExampleCountPerLeaf);
            ours.Seed.Should().Be(ml.Seed);
        }
        ours.Mode.Should().Be(GradientBoostedTreesMode.PerTask);
        regression.MaximumBinCountPerFeature.Should().Be(255, "docs/baselines-trees.md compares it with HGB's max_bins");
    }

    [Fact]
    public void Per_task_trees_fit_a_step_function_that_a_line_cannot()
    {
        TaskSpec[] tasks = [TaskSpec.Regression("y", ["x", "noise"])];
        var xTrain = Inputs(400, 1);
        var xTest = Inputs(200, 2);
        var train = Dataset(tasks, xTrain, new() { ["y"] = Targets(xTrain, 0) });
        var test = Dataset(tasks, xTest, new() { ["y"] = Targets(xTest, 0) });
        var encoder = FeatureEncoder.Fit(train);

        var trees = GradientBoostedTrees.Fit(encoder.Transform(train));
        var predictions = trees.Predict(encoder.Transform(test))["y"];
        var yTest = Targets(xTest, 0);
        double treeRmse = Rmse(predictions, yTest);

        // The best line through the staircase leaves a saw-tooth residual of RMSE about sqrt(1/12) = 0.29.
        double mx = xTrain.Average(r => r[0]), my = Targets(xTrain, 0).Average();
        double slope = xTrain.Sum(r => (r[0] - mx) * (Step(r[0]) - my)) / xTrain.Sum(r => (r[0] - mx) * (r[0] - mx));
        double lineRmse = Math.Sqrt(xTest.Average(r => Math.Pow(my + slope * (r[0] - mx) - Step(r[0]), 2)));
        lineRmse.Should().BeGreaterThan(0.25);
        treeRmse.Should().BeLessThan(0.1, "the trees split at the steps; predictions are in user units (0..3)");
        predictions.Average().Should().BeApproximately((float)yTest.Average(), 0.1f);
    }

    [Fact]
    public void Evaluate_reports_the_library_metrics_in_user_units()
    {
        TaskSpec[] tasks = [TaskSpec.Regression("y", ["x", "noise"])];
        var xTrain = Inputs(200, 3);
        var xTest = Inputs(100, 4);
        var yTest = xTest.Select(r => 100 + 50 * Step(r[0]) + 10 * r[1]).ToArray();
        var train = Dataset(tasks, xTrain, new() { ["y"] = xTrain.Select(r => 100 + 50 * Step(r[0]) + 10 * r[1]).ToArray() });
        yTest[7] = double.NaN; // an unlabelled test row is not scored
        var test = Dataset(tasks, xTest, new() { ["y"] = yTest }, new TableOptions { KeepUnlabeledRows = true });
        var encoder = FeatureEncoder.Fit(train);
        var trees = GradientBoostedTrees.Fit(encoder.Transform(train));
        var encodedTest = encoder.Transform(test);

        var predictions = trees.Predict(encodedTest)["y"];
        var result = trees.Evaluate(encodedTest)["y"];

        predictions.Should().HaveCount(100);
        var labelled = Enumerable.Range(0, 100).Where(i => i != 7).ToArray();
        double rmse = Math.Sqrt(labelled.Average(i => Math.Pow((double)predictions[i] - (float)yTest[i], 2)));
        double mae = labelled.Average(i => Math.Abs((double)predictions[i] - (float)yTest[i]));
        result.LabelCount.Should().Be(99);
        result.Metrics.Keys.Should().Equal("rmse", "mae", "r2");
        result["rmse"].Should().BeApproximately(rmse, 1e-3);
        result["mae"].Should().BeApproximately(mae, 1e-3);
        result["rmse"].Should().BeLessThan(5, "targets span 100..260 and the step is learnt");
        result.Directions["rmse"].Should().Be(MetricDirection.LowerIsBetter);
    }

    [Fact]
    public void Pooled_trees_learn_a_constant_offset_between_tasks_from_the_task_indicator()
    {
        TaskSpec[] tasks = [TaskSpec.Regression("a", ["x", "noise"]), TaskSpec.Regression("b", ["x", "noise"])];
        var xa = Inputs(300, 5);
        var xb = Inputs(300, 6);
        var train = MultiTaskDataset.Concat(
            Dataset(tasks, xa, new() { ["a"] = Targets(xa, 0) }, new TableOptions { Labels = ["a"] }),
            Dataset(tasks, xb, new() { ["b"] = Targets(xb, 10) }, new TableOptions { Labels = ["b"] }));
        var xTest = Inputs(100, 7);
        var test = Dataset(tasks, xTest, new() { ["a"] = Targets(xTest, 0), ["b"] = Targets(xTest, 10) });
        var encoder = FeatureEncoder.Fit(train);

        var trees = GradientBoostedTrees.Fit(encoder.Transform(train), new GradientBoostedTreesOptions { Mode = GradientBoostedTreesMode.Pooled });
        var predictions = trees.Predict(encoder.Transform(test));
        var evaluation = trees.Evaluate(encoder.Transform(test));

        trees.TaskNames.Should().Equal("a", "b");
        evaluation["a"]["rmse"].Should().BeLessThan(0.25, "without the indicator the tasks would be 5 off each");
        evaluation["b"]["rmse"].Should().BeLessThan(0.25);
        // Same inputs, the indicator alone moves the prediction by the offset.
        Enumerable.Range(0, 100).Average(i => (double)predictions["b"][i] - predictions["a"][i]).Should().BeApproximately(10, 0.1);
    }

    [Fact]
    public void Rows_with_a_masked_label_are_never_used_per_task()
    {
        TaskSpec[] tasks = [TaskSpec.Regression("a", ["x", "noise"]), TaskSpec.Regression("b", ["x", "noise"])];
        var x1 = Inputs(150, 8);
        var x2 = Inputs(60, 9);
        var labelled = Dataset(tasks, x1, new() { ["a"] = Targets(x1, 0), ["b"] = Targets(x1, 1) });
        // This table labels only b; its a column is poison that must never reach a's model.
        var poisoned = Dataset(tasks, x2, new() { ["a"] = Enumerable.Repeat(1e30, 60).ToArray(), ["b"] = Targets(x2, 1) },
            new TableOptions { Labels = ["b"] });
        var full = MultiTaskDataset.Concat(labelled, poisoned);
        var encoder = FeatureEncoder.Fit(full);
        var test = encoder.Transform(Dataset(tasks, Inputs(80, 10), new() { ["a"] = Targets(Inputs(80, 10), 0), ["b"] = Targets(Inputs(80, 10), 1) }));
        var only = new GradientBoostedTreesOptions { Tasks = ["a"] };

        var withMasked = GradientBoostedTrees.Fit(encoder.Transform(full), only).Predict(test)["a"];
        var without = GradientBoostedTrees.Fit(encoder.Transform(labelled), only).Predict(test)["a"];

        withMasked.Should().Equal(without);
        withMasked.Should().OnlyContain(p => Math.Abs(p) < 10);
    }

    [Fact]
    public void Rows_with_no_label_are_never_used_when_pooled()
    {
        TaskSpec[] tasks = [TaskSpec.Regression("a", ["x", "noise"]), TaskSpec.Regression("b", ["x", "noise"])];
        var x1 = Inputs(150, 11);
        var x2 = Inputs(60, 12);
        var labelled = Dataset(tasks, x1, new() { ["a"] = Targets(x1, 0), ["b"] = Targets(x1, 5) });
        var poison = Enumerable.Repeat(1e30, 60).ToArray();
        var unlabelled = Dataset(tasks, x2, new() { ["a"] = poison, ["b"] = poison },
            new TableOptions { Labels = [], KeepUnlabeledRows = true });
        var full = MultiTaskDataset.Concat(labelled, unlabelled);
        full.RowCount.Should().Be(210);
        var encoder = FeatureEncoder.Fit(full);
        var xTest = Inputs(80, 13);
        var test = encoder.Transform(Dataset(tasks, xTest, new() { ["a"] = Targets(xTest, 0), ["b"] = Targets(xTest, 5) }));
        var pooled = new GradientBoostedTreesOptions { Mode = GradientBoostedTreesMode.Pooled };

        var withMasked = GradientBoostedTrees.Fit(encoder.Transform(full), pooled).Predict(test);
        var without = GradientBoostedTrees.Fit(encoder.Transform(labelled), pooled).Predict(test);

        withMasked["a"].Should().Equal(without["a"]);
        withMasked["b"].Should().Equal(without["b"]);
    }

    [Fact]
    public void Same_seed_gives_the_same_predictions()
    {
        TaskSpec[] tasks = [TaskSpec.Regression("a", ["x", "noise"]), TaskSpec.Regression("b", ["x", "noise"])];
        var x = Inputs(200, 14);
        var rng = new Random(15);
        var data = Dataset(tasks, x, new()
        {
            ["a"] = x.Select(r => Step(r[0]) + rng.NextDouble()).ToArray(),
            ["b"] = x.Select(r => r[1] * 3 + rng.NextDouble()).ToArray(),
        });
        var encoder = FeatureEncoder.Fit(data);
        var encoded = encoder.Transform(data);
        foreach (var mode in new[] { GradientBoostedTreesMode.PerTask, GradientBoostedTreesMode.Pooled })
        {
            var options = new GradientBoostedTreesOptions { Mode = mode, Seed = 42, NumberOfTrees = 30 };
            var first = GradientBoostedTrees.Fit(encoded, options).Predict(encoded);
            var second = GradientBoostedTrees.Fit(encoded, options).Predict(encoded);
            first["a"].Should().Equal(second["a"]);
            first["b"].Should().Equal(second["b"]);
        }
    }

    [Fact]
    public void Options_change_the_model()
    {
        TaskSpec[] tasks = [TaskSpec.Regression("y", ["x", "noise"])];
        var x = Inputs(200, 16);
        var data = Dataset(tasks, x, new() { ["y"] = Targets(x, 0) });
        var encoded = FeatureEncoder.Fit(data).Transform(data);

        // One stump with learning rate 1 predicts exactly two values (one per leaf).
        var stump = GradientBoostedTrees.Fit(encoded, new GradientBoostedTreesOptions { NumberOfTrees = 1, NumberOfLeaves = 2, LearningRate = 1 });
        stump.Predict(encoded)["y"].Distinct().Should().HaveCount(2);
        var forest = GradientBoostedTrees.Fit(encoded).Predict(encoded)["y"];
        forest.Distinct().Count().Should().BeGreaterThan(2);
    }

    [Fact]
    public void Binary_tasks_predict_probabilities()
    {
        TaskSpec[] tasks = [TaskSpec.Binary("big", ["x", "noise"])];
        var xTrain = Inputs(300, 17);
        var xTest = Inputs(100, 18);
        var train = Dataset(tasks, xTrain, new() { ["big"] = xTrain.Select(r => r[0] > 0.6 ? 1.0 : 0.0).ToArray() });
        var test = Dataset(tasks, xTest, new() { ["big"] = xTest.Select(r => r[0] > 0.6 ? 1.0 : 0.0).ToArray() });
        var encoder = FeatureEncoder.Fit(train);
        var trees = GradientBoostedTrees.Fit(encoder.Transform(train));

        var probabilities = trees.Predict(encoder.Transform(test))["big"];
        var result = trees.Evaluate(encoder.Transform(test))["big"];

        probabilities.Should().OnlyContain(p => p >= 0 && p <= 1);
        Enumerable.Range(0, 100).Count(i => (probabilities[i] > 0.5) == (xTest[i][0] > 0.6)).Should().BeGreaterThan(95);
        result.Metrics.Keys.Should().Equal("accuracy", "f1", "roc_auc", "log_loss");
        result["accuracy"].Should().BeGreaterThan(0.95);
    }

    [Fact]
    public void Unsupported_kinds_are_named()
    {
        TaskSpec[] tasks = [TaskSpec.Regression("price", ["x", "noise"]), TaskSpec.Multiclass("tier", 3, ["x", "noise"]), TaskSpec.Binary("sold", ["x", "noise"])];
        var x = Inputs(60, 19);
        var data = Dataset(tasks, x, new()
        {
            ["price"] = Targets(x, 0),
            ["tier"] = x.Select(r => Math.Floor(3 * r[0])).ToArray(),
            ["sold"] = x.Select(r => r[1] > 0.5 ? 1.0 : 0.0).ToArray(),
        });
        var encoded = FeatureEncoder.Fit(data).Transform(data);

        var multiclass = () => GradientBoostedTrees.Fit(encoded);
        multiclass.Should().Throw<NotSupportedException>().WithMessage("*'tier'*Multiclass*Tasks*");
        var pooledBinary = () => GradientBoostedTrees.Fit(encoded, new GradientBoostedTreesOptions { Mode = GradientBoostedTreesMode.Pooled, Tasks = ["price", "sold"] });
        pooledBinary.Should().Throw<NotSupportedException>().WithMessage("*'sold'*Binary*PerTask*");
        var unknown = () => GradientBoostedTrees.Fit(encoded, new GradientBoostedTreesOptions { Tasks = ["cost"] });
        unknown.Should().Throw<ArgumentException>().WithMessage("*'cost'*price, tier, sold*");
        GradientBoostedTrees.Fit(encoded, new GradientBoostedTreesOptions { Tasks = ["price", "sold"], NumberOfTrees = 5 }).TaskNames
            .Should().Equal("price", "sold");
    }

    [Fact]
    public void A_task_without_labels_and_bad_options_are_named()
    {
        TaskSpec[] tasks = [TaskSpec.Regression("a", ["x", "noise"]), TaskSpec.Regression("b", ["x", "noise"])];
        var x = Inputs(40, 20);
        var full = Dataset(tasks, x, new() { ["a"] = Targets(x, 0), ["b"] = x.Select((r, i) => i < 20 ? r[1] : double.NaN).ToArray() });
        var encoder = FeatureEncoder.Fit(full);
        var onlyA = encoder.Transform(full.Subset(Enumerable.Range(20, 20).ToArray()));

        var noLabels = () => GradientBoostedTrees.Fit(onlyA);
        noLabels.Should().Throw<InvalidOperationException>().WithMessage("*'b'*no labelled rows*");
        var leaves = () => GradientBoostedTrees.Fit(onlyA, new GradientBoostedTreesOptions { NumberOfLeaves = 1, Tasks = ["a"] });
        leaves.Should().Throw<ArgumentException>().WithMessage("*NumberOfLeaves*at least 2*");
        var rate = () => GradientBoostedTrees.Fit(onlyA, new GradientBoostedTreesOptions { LearningRate = 0, Tasks = ["a"] });
        rate.Should().Throw<ArgumentException>().WithMessage("*LearningRate*");
    }

    [Fact]
    public void Data_from_another_encoder_is_rejected()
    {
        TaskSpec[] tasks = [TaskSpec.Regression("y", ["x", "noise"])];
        var x1 = Inputs(50, 21);
        var x2 = Inputs(50, 22).Select(r => new[] { r[0] * 10, r[1] }).ToArray();
        var d1 = Dataset(tasks, x1, new() { ["y"] = Targets(x1, 0) });
        var d2 = Dataset(tasks, x2, new() { ["y"] = Targets(x1, 0) });
        var trees = GradientBoostedTrees.Fit(FeatureEncoder.Fit(d1).Transform(d1), new GradientBoostedTreesOptions { NumberOfTrees = 5 });

        var act = () => trees.Predict(FeatureEncoder.Fit(d2).Transform(d2));
        act.Should().Throw<ArgumentException>().WithMessage("*'x'*encoder fitted on the training data*");
    }
}
