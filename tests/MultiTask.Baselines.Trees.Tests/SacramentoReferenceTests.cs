using System.Globalization;
using FluentAssertions;
using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Baselines.Trees.Tests;

/// <summary>
/// The committed Sacramento comparison data against scikit-learn's numbers in baselines.json
/// (tests/reference/tabular_baselines.py): with HistGradientBoostingRegressor's hyper-parameters the
/// per-task condo model is a sum of single-split trees, which both libraries find identically.
/// </summary>
public class SacramentoReferenceTests
{
    private static readonly string[] Features = ["log_sqft", "beds", "baths", "latitude", "longitude"];
    private static readonly TaskSpec[] Tasks = [TaskSpec.Regression("houses", Features), TaskSpec.Regression("condos", Features)];

    private static string DataFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MultiTask.sln")))
                return Path.Combine(dir.FullName, "samples", "TabularComparison", "data");
        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} contains MultiTask.sln.");
    }

    /// <summary>Train (value != fold, houses and condos) and test (condos with value == fold) of seed 1's folds.</summary>
    private static (MultiTaskDataset Train, MultiTaskDataset Test) Fold(int fold)
    {
        string folder = DataFolder();
        static double P(string s) => double.Parse(s.Trim('"'), CultureInfo.InvariantCulture);
        var cells = File.ReadAllLines(Path.Combine(folder, "sacramento.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        var seed1 = File.ReadAllLines(Path.Combine(folder, "folds-sacramento.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        var x = cells.Select(c => new[] { Math.Log(P(c[4])), P(c[2]), P(c[3]), P(c[7]), P(c[8]) }).ToArray();
        var type = cells.Select(c => c[5].Trim('"')).ToArray();
        var y = cells.Select(c => Math.Log(P(c[6]))).ToArray();

        MultiTaskDataset Make(IEnumerable<int> rows, TableOptions? options = null)
        {
            var r = rows.ToArray();
            return MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("log_sqft").Numeric("beds").Numeric("baths").Numeric("latitude").Numeric("longitude"),
                Tasks, r.Select(i => x[i]).ToArray(), Features, new Dictionary<string, double[]>
                {
                    ["houses"] = r.Select(i => type[i] == "Residential" ? y[i] : double.NaN).ToArray(),
                    ["condos"] = r.Select(i => type[i] == "Condo" ? y[i] : double.NaN).ToArray(),
                }, options);
        }

        var members = Enumerable.Range(0, x.Length).Where(i => type[i] is "Residential" or "Condo").ToArray();
        return (Make(members.Where(i => seed1[i] != fold)),
            Make(members.Where(i => type[i] == "Condo" && seed1[i] == fold), new TableOptions { Labels = ["condos"] }));
    }

    [Theory]
    [InlineData(0, 0.31398842920135256)]
    [InlineData(3, 0.5295900819371823)]
    public void Per_task_condo_rmse_matches_scikit_learn_hgb_with_its_hyper_parameters(int fold, double scikitLearnRmse)
    {
        var (train, test) = Fold(fold);
        var encoder = FeatureEncoder.Fit(train);
        var hgb = new GradientBoostedTreesOptions { Tasks = ["condos"], NumberOfLeaves = 31, MinimumExampleCountPerLeaf = 20, LearningRate = 0.1 };

        var trees = GradientBoostedTrees.Fit(encoder.Transform(train), hgb);
        double rmse = trees.Evaluate(encoder.Transform(test))["condos"]["rmse"];

        rmse.Should().BeApproximately(scikitLearnRmse, 1e-5, "both libraries find the same single splits; only float rounding may differ");
    }

    [Fact]
    public void The_documented_snippet_runs_on_houses_and_condos()
    {
        var (train, test) = Fold(0);
        var encoder = FeatureEncoder.Fit(train);
        EncodedData trainData = encoder.Transform(train);
        EncodedData testData = encoder.Transform(test);

        var perTask = GradientBoostedTrees.Fit(trainData);
        TreeEvaluation scores = perTask.Evaluate(testData);
        var pooled = GradientBoostedTrees.Fit(trainData, new GradientBoostedTreesOptions
        {
            Mode = GradientBoostedTreesMode.Pooled,
            NumberOfLeaves = 31, MinimumExampleCountPerLeaf = 20, LearningRate = 0.1,
        });
        IReadOnlyDictionary<string, float[]> predictions = pooled.Predict(testData);

        scores.ToString().Should().Contain("condos: n=").And.Contain("rmse=");
        scores["condos"].LabelCount.Should().Be(test.RowCount);
        scores["houses"].LabelCount.Should().Be(0);
        double.IsNaN(scores["houses"]["rmse"]).Should().BeTrue("there are no house labels in the condo test fold");
        // log(price) of Sacramento condos lies between about 10 and 13.5.
        predictions["condos"].Should().HaveCount(test.RowCount).And.OnlyContain(p => p > 10 && p < 13.5);
        scores["condos"]["rmse"].Should().BeInRange(0.1, 0.6);
    }
}
