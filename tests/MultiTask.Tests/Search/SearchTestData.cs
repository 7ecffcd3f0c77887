using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tests.Training;

namespace MultiTask.Tests.Search;

/// <summary>Folds of a tiny dataset for objectives that ignore the data, and a seeded synthetic objective.</summary>
internal static class SearchTestData
{
    public static IReadOnlyList<(MultiTaskDataset Train, MultiTaskDataset Validation)> Folds(int k = 3) =>
        TrainingData.Dataset(12, 5).Data.KFold(k, 1);

    /// <summary>(lr − 0.01)² plus noise whose scale shrinks as 1/budget; deterministic per (trial, fold, budget).</summary>
    public static double Quadratic(MultiTask.Search.TrialFold fold, double noise = 1e-6)
    {
        double lr = fold.Trial.Get<double>("lr");
        double eps = new Generator(fold.Seed ^ ((ulong)fold.Budget << 32)).NextNormal();
        return (lr - 0.01) * (lr - 0.01) + noise * eps / fold.Budget;
    }
}
