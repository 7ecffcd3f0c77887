using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Recipes;
using MultiTask.Saving;
using MultiTask.Tasks;

namespace MultiTask.Tests.Saving;

/// <summary>
/// A <see cref="TabularModel"/> from <see cref="TabularRecipe.Fit"/> with each <see cref="TaskSharing"/> and from
/// <see cref="TabularRecipe.Select"/>: saved, loaded, and predicted bit for bit as the model itself predicts, from a
/// dataset of other rows (without labels) and from a CSV file.
/// </summary>
public sealed class TabularModelFileTests : IDisposable
{
    private static readonly TabularRecipeOptions Fast = new() { Members = 2, Hidden = [8], MaxEpochs = 6, Patience = 3, Seed = 4, MaxParallel = 1 };
    private static readonly string[] Features = ["x1", "x2", "city"];

    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-tabularfile").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Two price tasks of one target group (so they can be pooled) over numeric and one-hot features; a fifth of the rows label each task only.</summary>
    internal static Table Rows(int rows, ulong seed, bool labels = true)
    {
        var g = new Generator(seed);
        var x1 = new double[rows];
        var x2 = new double[rows];
        var city = new string?[rows];
        var a = new double[rows];
        var b = new double[rows];
        string[] cities = ["north", "south", "east"];
        for (int r = 0; r < rows; r++)
        {
            x1[r] = 4 * g.NextDouble() - 2;
            x2[r] = g.NextNormal();
            int c = (int)g.NextInt64(0, 3);
            city[r] = cities[c];
            double y = 10 + 1.5 * x1[r] - 0.5 * x2[r] + Math.Abs(x1[r]) + c + 0.1 * g.NextNormal();
            a[r] = r % 3 == 0 ? double.NaN : y;
            b[r] = r % 3 == 0 ? y + 0.7 : double.NaN;
        }
        var table = new Table("rows").Add("x1", x1).Add("x2", x2).Add("city", city);
        return labels ? table.Add("a", a).Add("b", b) : table;
    }

    internal static FeatureSchema Schema() => new FeatureSchema().Numeric("x1").Numeric("x2").Categorical("city", "north", "south", "east");

    internal static TaskSpec[] Tasks() =>
    [
        TaskSpec.Regression("a", Features) with { TargetGroup = "y", TargetTransform = TargetTransform.Log },
        TaskSpec.Regression("b", Features) with { TargetGroup = "y", TargetTransform = TargetTransform.Log },
    ];

    internal static MultiTaskDataset Train() => MultiTaskDataset.FromTable(Schema(), Tasks(), Rows(120, 1));

    internal static MultiTaskDataset Unlabelled() =>
        MultiTaskDataset.FromTable(Schema(), Tasks(), Rows(50, 2, labels: false), new TableOptions { Labels = [], KeepUnlabeledRows = true });

    internal static MultiTaskDataset Unlabelled(string csv) =>
        MultiTaskDataset.FromCsv(csv, Schema(), Tasks(), new CsvOptions { Labels = [], KeepUnlabeledRows = true });

    public static TheoryData<string> Fits => ["MultiTask", "SingleTask", "Pooled", "Select"];

    [Theory]
    [MemberData(nameof(Fits))]
    public void Loaded_tabular_model_predicts_bit_for_bit_as_the_fitted_one(string fit)
    {
        var model = fit == "Select"
            ? TabularRecipe.Select(Train(), new TabularSelectionOptions { Recipe = Fast, Folds = 2 })
            : TabularRecipe.Fit(Train(), Fast with { Sharing = Enum.Parse<TaskSharing>(fit) });
        var test = Unlabelled();
        var expected = model.Predict(test);

        string path = Path.Combine(_dir, $"{fit}.mtmodel");
        model.Save(path);
        var predictor = ModelFile.Load(path);

        predictor.TaskNames.Should().Equal(model.TaskNames);
        predictor.Tasks.Select(t => t.Name).Should().Equal(model.Tasks.Select(t => t.Name));
        SavingFixture.ShouldBeBitIdentical(predictor.Predict(test), expected);
        string csv = Path.Combine(_dir, $"{fit}.csv");
        SavingFixture.WriteCsv(Rows(50, 2, labels: false), csv, Features);
        SavingFixture.ShouldBeBitIdentical(predictor.PredictCsv(csv), expected);
        foreach (var task in model.TaskNames)
            predictor.EncoderOf(task).ColumnNames.Should().Equal(model.PartOf(task).Encoder.ColumnNames);
    }

    [Fact]
    public void Encoder_is_the_one_encoder_or_points_to_EncoderOf()
    {
        var multiTask = TabularRecipe.Fit(Train(), Fast);
        string one = Path.Combine(_dir, "one.mtmodel");
        multiTask.Save(one);
        ModelFile.Load(one).Encoder.ColumnNames.Should().Equal(multiTask.Parts[0].Encoder.ColumnNames);

        var pooled = TabularRecipe.Fit(Train(), Fast with { Sharing = TaskSharing.Pooled, Members = 1 });
        string path = Path.Combine(_dir, "pooled.mtmodel");
        pooled.Save(path);
        var act = () => ModelFile.Load(path).Encoder;
        act.Should().Throw<InvalidOperationException>().WithMessage("*EncoderOf*");
    }
}
