using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.LinearModels;
using MultiTask.Recipes;
using MultiTask.Tasks;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Tests.Recipes;

public class TabularRecipeTests
{
    /// <summary>Two related price tasks from one table: a big one (a) and a small one (b) with its own offset and a kink.</summary>
    private static MultiTaskDataset Data(int rows = 160, ulong seed = 3)
    {
        var gen = new Generator(seed);
        var x1 = new double[rows];
        var x2 = new double[rows];
        var a = new double[rows];
        var b = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            x1[r] = gen.NextDouble() * 4 - 2;
            x2[r] = gen.NextDouble() * 4 - 2;
            double y = 1.5 * x1[r] - 0.5 * x2[r] + Math.Abs(x1[r]) + 0.1 * gen.NextNormal();
            bool small = r % 4 == 0;
            a[r] = small ? double.NaN : y;
            b[r] = small ? y + 0.7 : double.NaN;
        }
        var table = new Table().Add("x1", x1).Add("x2", x2).Add("a", a).Add("b", b);
        string[] features = ["x1", "x2"];
        return MultiTaskDataset.FromTable(new FeatureSchema().Numeric("x1").Numeric("x2"),
            [TaskSpec.Regression("a", features) with { TargetGroup = "y" }, TaskSpec.Regression("b", features) with { TargetGroup = "y" }], table);
    }

    private static readonly TabularRecipeOptions Fast = new() { Members = 2, Hidden = [16], MaxEpochs = 40, Patience = 10, Seed = 5 };

    [Fact]
    public void A_member_starts_exactly_at_the_shared_plus_task_ridge_fit()
    {
        var data = Data();
        var encoder = FeatureEncoder.Fit(data);
        var encoded = encoder.Transform(data);
        var model = TabularRecipe.MemberModel(encoder, encoded, ["a", "b"], Fast, seed: 1);

        // The expected start, computed with RidgeRegression directly: a ridge on both tasks' rows stacked, then a
        // ridge per task on its residuals from it.
        var x = encoded.Features.ToArray();
        int width = encoded.Width;
        var rowsA = encoded.LabeledRows(0);
        var rowsB = encoded.LabeledRows(1);
        var ya = encoded.Targets(0).ToArray();
        var yb = encoded.Targets(1).ToArray();
        int[] stacked = [.. rowsA, .. rowsB];
        var shared = RidgeRegression.Fit(stacked.SelectMany(r => x.Skip(r * width).Take(width)).ToArray(), stacked.Length, width,
            [.. rowsA.Select(r => (double)ya[r]), .. rowsB.Select(r => (double)yb[r])]);
        var residualB = RidgeRegression.Fit(rowsB.SelectMany(r => x.Skip(r * width).Take(width)).ToArray(), rowsB.Count, width,
            rowsB.Select(r => yb[r] - shared.Predict(x.AsSpan(r * width, width))).ToArray());

        model.Eval();
        Tensor output;
        using (Autograd.NoGrad()) output = model.ForwardTask(encoded.Features, "b");
        var predicted = output.ToArray();
        for (int r = 0; r < encoded.RowCount; r++)
        {
            double expected = shared.Predict(x.AsSpan(r * width, width)) + residualB.Predict(x.AsSpan(r * width, width));
            predicted[r].Should().BeApproximately((float)expected, 1e-4f, $"row {r}");
        }
    }

    [Fact]
    public void The_linear_path_stays_fixed_while_the_network_trains()
    {
        var data = Data();
        var model = TabularRecipe.Fit(data, Fast);
        var member = (HardSharingModel)model.Parts[0].Ensemble.Members[0].Model;
        var encoded = model.Parts[0].Encoder.Transform(data);
        var fresh = TabularRecipe.MemberModel(model.Parts[0].Encoder, encoded, ["a", "b"], Fast, Fast.Seed);

        member.Wide!.Weight.ToArray().Should().Equal(fresh.Wide!.Weight.ToArray());
        member.WideHead("b")!.Weight.ToArray().Should().Equal(fresh.WideHead("b")!.Weight.ToArray());
        member.Backbone.Parameters().First().ToArray().Should().NotEqual(fresh.Backbone.Parameters().First().ToArray(), "the trunk trains");
    }

    [Fact]
    public void Learns_what_ridge_cannot_and_reports_in_user_units()
    {
        var train = Data(rows: 400, seed: 3);
        var test = Data(rows: 200, seed: 4);
        var model = TabularRecipe.Fit(train, Fast with { MaxEpochs = 300, Patience = 40 });
        var ridge = RidgeRegression.Fit(model.Parts[0].Encoder.Transform(train), "a");
        var encodedTest = model.Parts[0].Encoder.Transform(test);
        var actual = encodedTest.LabeledRows(0).Select(r => test.TargetValues("a")[r]).ToArray();
        double Rmse(float[] p) => Math.Sqrt(encodedTest.LabeledRows(0).Select((r, i) => Math.Pow(p[r] - actual[i], 2)).Average());

        double recipe = Rmse(model.Predict(test)["a"].ToArray());
        double linear = Rmse(ridge.Predict(encodedTest));
        recipe.Should().BeLessThan(0.8 * linear, "|x1| is not linear; the network adds it to the ridge start");
        model.Evaluate(test)["a"]["rmse"].Should().BeApproximately(recipe, 1e-4);
    }

    [Fact]
    public void Same_seed_gives_the_same_model_whatever_the_parallelism()
    {
        var data = Data();
        var one = TabularRecipe.Fit(data, Fast with { MaxParallel = 1 }).Predict(data)["b"].ToArray();
        var two = TabularRecipe.Fit(data, Fast with { MaxParallel = 2 }).Predict(data)["b"].ToArray();
        two.Should().Equal(one);
        TabularRecipe.Fit(data, Fast with { Seed = 6 }).Predict(data)["b"].ToArray().Should().NotEqual(one);
    }

    [Fact]
    public void Bad_settings_are_named()
    {
        var data = Data(rows: 40);
        var act = () => TabularRecipe.Fit(data, new TabularRecipeOptions { ValidationSplit = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*ValidationSplit*");
        act = () => TabularRecipe.Fit(data, new TabularRecipeOptions { Hidden = [16, 0] });
        act.Should().Throw<ArgumentException>().WithMessage("*Hidden*");
        act = () => TabularRecipe.Fit(data, new TabularRecipeOptions { Members = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Members*");
    }
}
