using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Search;
using MultiTask.Training;

namespace MultiTask.Tests.Search;

/// <summary>The code that docs/search.md shows, compiled and run by <see cref="SearchDocTests"/>.</summary>
internal static class SearchDocExample
{
    public static SearchResult Tune(MultiTaskDataset train, string outputDirectory)
    {
        var space = new SearchSpace()
            .LogUniform("lr", 1e-4, 3e-2)
            .Choice<int[]>("hidden", [16], [32, 32])
            .LogUniform("strength", 1e-3, 1.0);

        var search = new SuccessiveHalving(configurations: 9, minBudget: 2, maxBudget: 18, eta: 3,
            new SearchOptions { Seed = 7 });
        SearchResult result = search.Run(space, train, folds: 3, SearchObjective.Train(
            (trial, encoder, epochs, seed) => (
                MultiTaskModel.SoftSharing(encoder, trial.Get<int[]>("hidden"), strength: trial.Get<double>("strength"),
                    generator: new Generator(seed)),
                new TrainerOptions
                {
                    Epochs = epochs, BatchSize = 32, Seed = seed,
                    Optimizer = new AdamOptions { LearningRate = trial.Get<double>("lr") },
                }),
            score: "val_loss"));

        Console.WriteLine(result);          // one row per evaluation, the best marked *
        result.WriteCsv(Path.Combine(outputDirectory, "search.csv"));
        Trial best = result.BestTrial;      // e.g. best.Get<double>("lr")
        return result;
    }

    public static SearchResult Custom(IReadOnlyList<(MultiTaskDataset Train, MultiTaskDataset Validation)> folds)
    {
        var grid = new GridSearch(budget: 1, new SearchOptions { MaxParallel = 2 });
        SearchResult result = grid.Run(
            new SearchSpace().LogUniform("alpha", 1e-3, 10, grid: [1e-3, 1e-1, 10]).Choice("scale", "raw", "log"),
            folds,
            fold => RidgeError(fold.Train, fold.Validation, fold.Trial.Get<double>("alpha"), fold.Trial.Get<string>("scale")));
        return result;
    }

    /// <summary>A stand-in for any scoring code: fits nothing, only depends on the inputs deterministically.</summary>
    private static double RidgeError(MultiTaskDataset train, MultiTaskDataset validation, double alpha, string scale) =>
        Math.Abs(Math.Log10(alpha) + 1) + (scale == "log" ? 0.5 : 0) + 1.0 / (train.RowCount + validation.RowCount);
}
