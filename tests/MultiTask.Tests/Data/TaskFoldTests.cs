using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Tests.Data;

/// <summary>Folds and splits that hold out chosen tasks' rows only, and folds read from an assignment array.</summary>
public class TaskFoldTests
{
    /// <summary>40 rows, x = row index; rows 0, 4, 8, .. are condos (label "condo"), the rest houses; row 20 is labelled for both.</summary>
    private static MultiTaskDataset Data()
    {
        var x = Enumerable.Range(0, 40).Select(i => new[] { (double)i }).ToArray();
        var house = Enumerable.Range(0, 40).Select(i => i % 4 != 0 || i == 20 ? 100.0 + i : double.NaN).ToArray();
        var condo = Enumerable.Range(0, 40).Select(i => i % 4 == 0 ? 50.0 + i : double.NaN).ToArray();
        TaskSpec[] tasks = [TaskSpec.Regression("house", ["x"]), TaskSpec.Regression("condo", ["x"])];
        return MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x"), tasks, x, ["x"],
            new Dictionary<string, double[]> { ["house"] = house, ["condo"] = condo });
    }

    private static int[] Rows(MultiTaskDataset d) => d.NumericValues("x").Select(v => (int)v).ToArray();

    [Fact]
    public void KFold_over_one_task_holds_out_its_rows_only_and_keeps_every_other_row_in_training()
    {
        var data = Data();
        var condos = Enumerable.Range(0, 40).Where(i => i % 4 == 0).ToArray();
        var folds = data.KFold(5, new Generator(1), holdOutTasks: ["condo"]);
        folds.Should().HaveCount(5);
        var held = new List<int>();
        foreach (var (train, validation) in folds)
        {
            Rows(validation).Should().OnlyContain(r => r % 4 == 0, "only condo rows are held out");
            validation.RowCount.Should().Be(2, "10 condo rows over 5 folds");
            Rows(train).Should().Contain(Enumerable.Range(0, 40).Where(i => i % 4 != 0), "houses always train");
            (train.RowCount + validation.RowCount).Should().Be(40);
            held.AddRange(Rows(validation));
        }
        held.Order().Should().Equal(condos, "each condo is held out exactly once");
    }

    [Fact]
    public void AssignFolds_is_seeded_marks_never_held_out_rows_and_rebuilds_the_same_folds()
    {
        var data = Data();
        var a = data.AssignFolds(5, new Generator(3), ["condo"]);
        a.Should().Equal(data.AssignFolds(5, new Generator(3), ["condo"]));
        a.Should().NotEqual(data.AssignFolds(5, new Generator(4), ["condo"]));
        for (int r = 0; r < 40; r++) (a[r] == -1).Should().Be(r % 4 != 0, $"row {r}");

        var fromArray = data.Folds(a);
        var direct = data.KFold(5, new Generator(3), ["condo"]);
        for (int f = 0; f < 5; f++)
        {
            Rows(fromArray[f].Validation).Should().Equal(Rows(direct[f].Validation));
            Rows(fromArray[f].Train).Should().Equal(Rows(direct[f].Train));
        }

        // Without hold-out tasks the assignment is the ordinary stratified K-fold over all rows.
        var all = data.AssignFolds(4, new Generator(3));
        all.Should().OnlyContain(f => f >= 0 && f < 4);
        Rows(data.KFold(4, new Generator(3))[2].Validation).Should().Equal(Enumerable.Range(0, 40).Where(r => all[r] == 2));
        all.GroupBy(f => f).Select(g => g.Count()).Should().OnlyContain(c => c == 10);
    }

    [Fact]
    public void Folds_from_an_explicit_assignment_array()
    {
        var data = Data().Subset([0, 1, 2, 3, 4]);
        var folds = data.Folds([0, 1, -1, 0, 1]);
        folds.Should().HaveCount(2);
        Rows(folds[0].Validation).Should().Equal(0, 3);
        Rows(folds[0].Train).Should().Equal(1, 2, 4);
        Rows(folds[1].Validation).Should().Equal(1, 4);
        Rows(folds[1].Train).Should().Equal(0, 2, 3);
        data.Folds([-1, 0, -1, -1, -1]).Should().HaveCount(1, "a single held-out fold is a fixed validation split");

        FluentActions.Invoking(() => data.Folds([0, 1])).Should().Throw<ArgumentException>().WithMessage("*2 entries but the dataset has 5 rows*");
        FluentActions.Invoking(() => data.Folds([0, 2, -1, 0, 2])).Should().Throw<ArgumentException>().WithMessage("Fold 1 of the assignment has no rows*without gaps*");
        FluentActions.Invoking(() => data.Folds([0, -2, 1, 0, 1])).Should().Throw<ArgumentException>().WithMessage("*row 1 fold -2*");
        FluentActions.Invoking(() => data.Folds([-1, -1, -1, -1, -1])).Should().Throw<ArgumentException>().WithMessage("*holds out no row*");
    }

    [Fact]
    public void Split_over_one_task_divides_its_rows_only()
    {
        var data = Data();
        var (train, validation, test) = data.Split(new Generator(2), 0.2, 0.3, holdOutTasks: ["condo"]);
        Rows(validation).Should().OnlyContain(r => r % 4 == 0);
        Rows(test).Should().OnlyContain(r => r % 4 == 0);
        // Condo rows: 9 condo-only rows (0.2 → 2 validation, 0.3 → 3 test) and row 20 (a group of one, kept in training).
        validation.RowCount.Should().Be(2);
        test.RowCount.Should().Be(3);
        Rows(train).Should().Contain(Enumerable.Range(0, 40).Where(i => i % 4 != 0)).And.Contain(20);
        train.RowCount.Should().Be(35);
        Rows(data.Split(2, 0.2, 0.3, ["condo"]).Test).Should().Equal(Rows(test), "the seed overload is the same split");
    }

    [Fact]
    public void Hold_out_tasks_are_checked()
    {
        var data = Data();
        FluentActions.Invoking(() => data.KFold(5, 1, ["flat"])).Should().Throw<KeyNotFoundException>().WithMessage("There is no task 'flat'*");
        FluentActions.Invoking(() => data.KFold(5, 1, [])).Should().Throw<ArgumentException>().WithMessage("holdOutTasks is empty*");
        FluentActions.Invoking(() => data.KFold(11, 1, ["condo"])).Should().Throw<ArgumentOutOfRangeException>().WithMessage("KFold needs 2 <= k <= 10 (the rows labelled for condo), got k = 11*");
    }
}
