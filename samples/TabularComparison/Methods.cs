using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.LinearModels;
using MultiTask.Recipes;
using MultiTask.Tasks;
using MultiTask.Training;

/// <summary>A way to learn the tasks of a case; returns the held-out RMSE of each scored task (in the target's units).</summary>
internal sealed record Method(string Name, Func<Case, bool> Applies, Func<Case, int[], int[], ulong, IEnumerable<(string Task, double Rmse)>> Run);

internal static class Methods
{
    public const string Recommended = "recipe: multi-task";
    public const string Selected = "recipe: selected";

    public static IReadOnlyList<Method> All(bool quick)
    {
        int epochs = quick ? 5 : 300;
        var recipe = quick ? new TabularRecipeOptions { Members = 2, MaxEpochs = 5, Patience = 2 } : new TabularRecipeOptions();
        return
        [
            new(Recommended, _ => true, (c, train, test, seed) => Recipe(c, train, test, recipe with { Seed = seed * 100 })),
            new(Selected, _ => true, (c, train, test, seed) => Select(c, train, test, new TabularSelectionOptions
            {
                Recipe = recipe with { Seed = seed * 100 }, Folds = quick ? 2 : 3, Seed = seed,
            })),
            new("recipe: single-task", _ => true, (c, train, test, seed) =>
                Recipe(c, train, test, recipe with { Seed = seed * 100, Sharing = TaskSharing.SingleTask, Tasks = c.Scored })),
            new("recipe: pooled", c => c.TaskOfRow.All(t => t >= 0), (c, train, test, seed) =>
                Recipe(c, train, test, recipe with { Seed = seed * 100, Sharing = TaskSharing.Pooled })),
            // Not one of the defaults: piecewise-linear inputs help where trees win (Ames) and cost on spectra (not run there).
            new("recipe: pooled + piecewise-linear inputs", c => c.TaskOfRow.All(t => t >= 0), (c, train, test, seed) =>
                Scores(c, test, TabularRecipe.Fit(c.PiecewiseLinear.Subset(train), recipe with { Seed = seed * 100, Sharing = TaskSharing.Pooled }), c.PiecewiseLinear)),
            new("ridge (library)", _ => true, Ridge),
            new("single-task net (plain)", _ => true, (c, train, test, seed) => SingleTask(c, train, test, seed, epochs)),
            new("pooled net (plain)", c => c.TaskOfRow.All(t => t >= 0), (c, train, test, seed) => Pooled(c, train, test, seed, epochs)),
            new("multi-task net (plain)", _ => true, (c, train, test, seed) => MultiTask(c, train, test, seed, epochs)),
        ];
    }

    private static IEnumerable<(string, double)> Recipe(Case c, int[] trainRows, int[] testRows, TabularRecipeOptions options) =>
        Scores(c, testRows, TabularRecipe.Fit(c.Data.Subset(trainRows), options));

    /// <summary>The sharing chosen per task by cross-validation inside the training rows (<see cref="TabularRecipe.Select"/>).</summary>
    private static IEnumerable<(string, double)> Select(Case c, int[] trainRows, int[] testRows, TabularSelectionOptions options) =>
        Scores(c, testRows, TabularRecipe.Select(c.Data.Subset(trainRows), options));

    private static IEnumerable<(string, double)> Scores(Case c, int[] testRows, TabularModel model, MultiTaskDataset? data = null)
    {
        var test = (data ?? c.Data).Subset(testRows);
        var predicted = model.Predict(test);
        foreach (var task in c.Scored) yield return (task, Rmse(test, task, predicted[task].ToArray()));
    }

    private static IEnumerable<(string, double)> Ridge(Case c, int[] trainRows, int[] testRows, ulong seed)
    {
        var train = c.Data.Subset(trainRows);
        var encoder = FeatureEncoder.Fit(train);
        var encodedTrain = encoder.Transform(train);
        var test = c.Data.Subset(testRows);
        var encodedTest = encoder.Transform(test);
        foreach (var task in c.Scored)
            yield return (task, Rmse(test, task, RidgeRegression.Fit(encodedTrain, task).Predict(encodedTest)));
    }

    private static TrainerOptions Plain(ulong seed, int rows, int epochs) => new()
    {
        Epochs = epochs, BatchSize = rows, Seed = seed, Optimizer = new AdamOptions { LearningRate = 1e-2 },
    };

    private static IEnumerable<(string, double)> SingleTask(Case c, int[] trainRows, int[] testRows, ulong seed, int epochs)
    {
        var test = c.Data.Subset(testRows);
        foreach (var task in c.Scored)
        {
            var rows = trainRows.Where(r => c.Data.IsLabeled(task, r)).ToArray();
            var train = c.Data.Subset(rows);
            var encoder = FeatureEncoder.Fit(train);
            var model = MultiTaskModel.HardSharing(encoder, backbone: [32, 32], generator: new Generator(seed), tasks: [task]);
            var trainer = new MultiTaskTrainer(model, Plain(seed, rows.Length, epochs));
            trainer.Fit(encoder.Transform(train));
            yield return (task, Rmse(test, task, trainer.Predict(encoder.Transform(test))[task].ToArray()));
        }
    }

    private static IEnumerable<(string, double)> MultiTask(Case c, int[] trainRows, int[] testRows, ulong seed, int epochs)
    {
        var train = c.Data.Subset(trainRows);
        var encoder = FeatureEncoder.Fit(train);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [32, 32], generator: new Generator(seed));
        var trainer = new MultiTaskTrainer(model, Plain(seed, trainRows.Length, epochs));
        trainer.Fit(encoder.Transform(train));
        var test = c.Data.Subset(testRows);
        var predicted = trainer.Predict(encoder.Transform(test));
        foreach (var task in c.Scored) yield return (task, Rmse(test, task, predicted[task].ToArray()));
    }

    /// <summary>One task over every row, told the row's task as a one-hot feature: what a user does without multi-task learning.</summary>
    private static IEnumerable<(string, double)> Pooled(Case c, int[] trainRows, int[] testRows, ulong seed, int epochs)
    {
        var data = c.Pooled;
        var train = data.Subset(trainRows);
        var encoder = FeatureEncoder.Fit(train);
        var model = MultiTaskModel.HardSharing(encoder, backbone: [32, 32], generator: new Generator(seed));
        var trainer = new MultiTaskTrainer(model, Plain(seed, trainRows.Length, epochs));
        trainer.Fit(encoder.Transform(train));
        var test = data.Subset(testRows);
        return PooledRmse(c, testRows, test, trainer.Predict(encoder.Transform(test))["y"].ToArray());
    }

    private static IEnumerable<(string, double)> PooledRmse(Case c, int[] testRows, MultiTaskDataset test, float[] predicted)
    {
        foreach (var task in c.Scored)
        {
            int t = Array.FindIndex(c.Tasks, s => s.Name == task);
            var rows = Enumerable.Range(0, testRows.Length).Where(i => c.TaskOfRow[testRows[i]] == t).ToArray();
            yield return (task, Math.Sqrt(rows.Average(i => Math.Pow(predicted[i] - test.TargetValues("y")[i], 2))));
        }
    }

    /// <summary>The RMSE of <paramref name="predicted"/> over the rows of <paramref name="test"/> labelled for <paramref name="task"/>.</summary>
    private static double Rmse(MultiTaskDataset test, string task, float[] predicted)
    {
        var actual = test.TargetValues(task);
        double sum = 0;
        int n = 0;
        for (int r = 0; r < test.RowCount; r++)
        {
            if (!test.IsLabeled(task, r)) continue;
            sum += Math.Pow(predicted[r] - actual[r], 2);
            n++;
        }
        return Math.Sqrt(sum / n);
    }
}
