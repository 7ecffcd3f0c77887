using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Recipes;
using MultiTask.Tasks;

namespace MultiTask.Tests.Recipes;

/// <summary>The recipe's single-task and pooled sharings, and <see cref="TabularRecipe.Select"/>, which chooses among sharings per task.</summary>
public class TabularSelectionTests
{
    private static readonly TabularRecipeOptions Fast = new() { Members = 2, Hidden = [16], MaxEpochs = 40, Patience = 10, Seed = 5 };

    /// <summary>Two price tasks over one table, x1 and x2 numeric, "zone" categorical; b is a's function shifted by 0.7.</summary>
    private static MultiTaskDataset Data(int rows = 120, ulong seed = 3, string? group = "y")
    {
        var gen = new Generator(seed);
        var x1 = new double[rows];
        var x2 = new double[rows];
        var zone = new string?[rows];
        var a = new double[rows];
        var b = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            x1[r] = gen.NextDouble() * 4 - 2;
            x2[r] = gen.NextDouble() * 4 - 2;
            zone[r] = r % 3 == 0 ? "north" : r % 3 == 1 ? "south" : null;
            double y = 1.5 * x1[r] - 0.5 * x2[r] + Math.Abs(x1[r]) + (zone[r] == "north" ? 0.3 : 0) + 0.1 * gen.NextNormal();
            bool small = r % 4 == 0;
            a[r] = small ? double.NaN : y;
            b[r] = small ? y + 0.7 : double.NaN;
        }
        var table = new Table().Add("x1", x1).Add("x2", x2).Add("zone", zone).Add("a", a).Add("b", b);
        string[] features = ["x1", "x2", "zone"];
        return MultiTaskDataset.FromTable(new FeatureSchema().Numeric("x1").Numeric("x2").Categorical("zone", "north", "south"),
            [TaskSpec.Regression("a", features) with { TargetGroup = group }, TaskSpec.Regression("b", features) with { TargetGroup = group }], table);
    }

    private static int[] RowsOf(MultiTaskDataset data, string task) => [.. Enumerable.Range(0, data.RowCount).Where(r => data.IsLabeled(task, r))];

    [Fact]
    public void Single_task_sharing_is_one_recipe_per_task_on_its_own_rows()
    {
        var data = Data();
        var model = TabularRecipe.Fit(data, Fast with { Sharing = TaskSharing.SingleTask });

        model.Parts.Select(p => p.Tasks.Single()).Should().Equal("a", "b");
        model.Parts.Should().OnlyContain(p => p.Sharing == TaskSharing.SingleTask);
        var alone = TabularRecipe.Fit(data.Subset(RowsOf(data, "b")), Fast with { Tasks = ["b"] });
        model.Predict(data)["b"].ToArray().Should().Equal(alone.Predict(data)["b"].ToArray(), "task b's part never sees task a's rows");
        model.PartOf("b").Encoder.TargetStatistics("b")!.Value.Mean.Should().BeApproximately(RowsOf(data, "b").Average(r => data.TargetValues("b")[r]), 1e-9);
    }

    [Fact]
    public void Pooled_sharing_is_one_task_over_stacked_rows_with_the_task_as_a_category()
    {
        var data = Data();
        var model = TabularRecipe.Fit(data, Fast with { Sharing = TaskSharing.Pooled });

        // What a user would build by hand: every labelled (row, task) pair as a row, the task as a one-hot feature.
        int[] rowsA = RowsOf(data, "a"), rowsB = RowsOf(data, "b");
        int[] rows = [.. rowsA, .. rowsB];
        string?[] taskColumn = [.. rowsA.Select(_ => "a"), .. rowsB.Select(_ => "b")];
        double[] target = [.. rowsA.Select(r => data.TargetValues("a")[r]), .. rowsB.Select(r => data.TargetValues("b")[r])];
        var table = new Table().Add("x1", rows.Select(r => data.NumericValues("x1")[r]).ToArray()).Add("x2", rows.Select(r => data.NumericValues("x2")[r]).ToArray())
            .Add("zone", rows.Select(r => data.CategoricalValues("zone")[r]).ToArray()).Add("task", taskColumn).Add("target", target);
        var stacked = MultiTaskDataset.FromTable(data.Schema.Categorical("task", "a", "b"), [TaskSpec.Regression("y", ["x1", "x2", "zone", "task"], target: "target")], table);
        var byHand = TabularRecipe.Fit(stacked, Fast);

        model.Parts.Single().Ensemble.TaskNames.Should().Equal("y");
        model.Parts.Single().Tasks.Should().Equal("a", "b");
        foreach (var (task, own) in new[] { ("a", rowsA), ("b", rowsB) })
        {
            var asTask = new Table().Add("x1", data.NumericValues("x1").ToArray()).Add("x2", data.NumericValues("x2").ToArray())
                .Add("zone", data.CategoricalValues("zone").ToArray()).Add("task", Enumerable.Repeat<string?>(task, data.RowCount).ToArray())
                .Add("target", new double[data.RowCount]);
            var expected = byHand.Predict(MultiTaskDataset.FromTable(stacked.Schema, stacked.Tasks, asTask))["y"].ToArray();
            model.Predict(data)[task].ToArray().Should().Equal(expected, $"task {task} is the pooled network told it is {task}");
            model.Evaluate(data)[task].LabelCount.Should().Be(own.Length);
        }
        model.Predict(data)["a"].ToArray().Should().NotEqual(model.Predict(data)["b"].ToArray(), "the task indicator moves the prediction");
        var onlyB = data.Subset(rowsB);
        model.Predict(onlyB)["a"].ToArray().Should().Equal(rowsB.Select(r => model.Predict(data)["a"].ToArray()[r]), "rows without a label of a task are predicted for it too");
    }

    [Fact]
    public void Pooling_tasks_that_do_not_share_a_target_group_is_refused_with_the_fix()
    {
        var act = () => TabularRecipe.Fit(Data(group: null), Fast with { Sharing = TaskSharing.Pooled });
        act.Should().Throw<ArgumentException>().WithMessage("*'a'*TargetGroup*");
    }

    [Fact]
    public void Select_scores_each_candidate_out_of_fold_in_user_units_and_keeps_the_best_per_task()
    {
        var data = Data();
        var weak = Fast with { MaxEpochs = 1, RidgeWarmStart = false, Members = 1 };
        var options = new TabularSelectionOptions { Candidates = [weak, Fast, Fast with { Sharing = TaskSharing.SingleTask }], Folds = 3, Seed = 9 };
        var model = TabularRecipe.Select(data, options);
        var selection = model.Selection!;

        // Candidate 0's score by hand: the same folds, the RMSE over every out-of-fold prediction.
        foreach (var task in new[] { "a", "b" })
        {
            double sum = 0;
            foreach (var (train, validation) in data.KFold(3, new Generator(9)))
            {
                var predicted = TabularRecipe.Fit(train, weak with { Tasks = ["a", "b"] }).Predict(validation)[task].ToArray();
                sum += RowsOf(validation, task).Sum(r => Math.Pow(predicted[r] - validation.TargetValues(task)[r], 2));
            }
            selection.Score(0, task).Should().BeApproximately(Math.Sqrt(sum / data.LabelCount(task)), 1e-9);
            selection.Score(0, task).Should().BeGreaterThan(selection.Score(1, task), "one epoch from random weights is far from the ridge start");

            int chosen = selection.Chosen(task);
            chosen.Should().Be(selection.Score(1, task) <= selection.Score(2, task) ? 1 : 2);
            model.PartOf(task).Sharing.Should().Be(options.Candidates[chosen].Sharing);
            var refit = TabularRecipe.Fit(data, options.Candidates[chosen] with { Tasks = chosen == 2 ? [task] : null });
            model.Predict(data)[task].ToArray().Should().Equal(refit.Predict(data)[task].ToArray(), "the chosen candidate is refitted on all rows");
        }
        selection.ToString().Should().Contain("SingleTask").And.Contain("*");
    }

    [Fact]
    public void Select_by_default_tries_every_sharing_that_applies()
    {
        var quick = new TabularSelectionOptions { Recipe = Fast with { Members = 1, MaxEpochs = 5 }, Folds = 2 };
        TabularRecipe.Select(Data(), quick).Selection!.Candidates.Select(c => c.Sharing)
            .Should().Equal(TaskSharing.MultiTask, TaskSharing.SingleTask, TaskSharing.Pooled);
        TabularRecipe.Select(Data(group: null), quick).Selection!.Candidates.Select(c => c.Sharing)
            .Should().Equal([TaskSharing.MultiTask, TaskSharing.SingleTask], "tasks without a shared target group cannot be pooled");
    }

    [Fact]
    public void Select_names_what_it_cannot_score()
    {
        var data = Data(rows: 12);
        var act = () => TabularRecipe.Select(data, new TabularSelectionOptions { Folds = 4 });
        act.Should().Throw<ArgumentException>().WithMessage("*'b' has 3 labels*4 folds*");
        act = () => TabularRecipe.Select(data, new TabularSelectionOptions { Candidates = [Fast with { Tasks = ["a"] }] });
        act.Should().Throw<ArgumentException>().WithMessage("*Tasks null*");
        act = () => TabularRecipe.Select(data, new TabularSelectionOptions { Folds = 1 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Folds*");
    }
}
