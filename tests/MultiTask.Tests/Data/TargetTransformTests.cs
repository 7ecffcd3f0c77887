using FluentAssertions;
using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Tests.Data;

/// <summary>Per-task target transforms and shared (grouped) standardisation in <see cref="FeatureEncoder"/>.</summary>
public class TargetTransformTests
{
    private static readonly double[] A = [100, 200, 400, 800];
    private static readonly double[] B = [50, 150, double.NaN, 1000];

    private static MultiTaskDataset Data(TaskSpec a, TaskSpec b) => MultiTaskDataset.FromArrays(
        new FeatureSchema().Numeric("x"), [a, b], new double[,] { { 1 }, { 2 }, { 3 }, { 4 } }, ["x"],
        new Dictionary<string, double[]> { ["a"] = A, ["b"] = B });

    private static TaskSpec Reg(string name, TargetTransform transform, string? group = null) =>
        TaskSpec.Regression(name, ["x"]) with { TargetTransform = transform, TargetGroup = group };

    private static Standardization Population(IEnumerable<double> values)
    {
        var v = values.ToArray();
        double mean = v.Average();
        return new Standardization(mean, Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length));
    }

    [Fact]
    public void Log_target_is_log_then_standardised_and_inverts_to_user_units()
    {
        var data = Data(Reg("a", TargetTransform.Log), Reg("b", TargetTransform.None));
        var encoder = FeatureEncoder.Fit(data);
        var expected = Population(A.Select(v => Math.Log(v)));
        encoder.TargetStatistics("a")!.Value.Mean.Should().BeApproximately(expected.Mean, 1e-12);
        encoder.TargetStatistics("a")!.Value.Std.Should().BeApproximately(expected.Std, 1e-12);
        encoder.TargetStatistics("b").Should().BeNull();
        encoder.GetTargetTransform("b")!.Kind.Should().Be(TargetTransform.None);

        var enc = encoder.Transform(data);
        var z = enc.Targets("a").ToArray();
        for (int r = 0; r < 4; r++) z[r].Should().BeApproximately((float)((Math.Log(A[r]) - expected.Mean) / expected.Std), 1e-5f);
        enc.Targets("b").ToArray()[3].Should().Be(1000f, "None keeps the label");
        encoder.InverseTarget("a", z).Should().BeEquivalentTo(A.Select(v => (float)v), o => o.Using<float>(c => c.Subject.Should().BeApproximately(c.Expectation, 0.01f)).WhenTypeIs<float>());
        encoder.InverseTarget("a", 0.0).Should().BeApproximately(Math.Exp(expected.Mean), 1e-9, "0 is the mean log: the geometric mean");
    }

    [Fact]
    public void Log_target_rejects_non_positive_labels_naming_task_and_row()
    {
        var tasks = new[] { Reg("a", TargetTransform.Log), Reg("b", TargetTransform.Standardize) };
        var data = MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x"), tasks, new double[,] { { 1 }, { 2 }, { 3 } }, ["x"],
            new Dictionary<string, double[]> { ["a"] = [5, 0, 2], ["b"] = [1, 2, 3] });
        FluentActions.Invoking(() => FeatureEncoder.Fit(data)).Should().Throw<ArgumentException>()
            .WithMessage("Task 'a' uses TargetTransform.Log but its label in training row 1 is 0*positive*YeoJohnson*");
        var encoder = FeatureEncoder.Fit(data.Subset([0, 2]));
        FluentActions.Invoking(() => encoder.Transform(data)).Should().Throw<ArgumentException>()
            .WithMessage("Task 'a' uses TargetTransform.Log but its label in data row 1 is 0*");
    }

    [Fact]
    public void YeoJohnson_target_uses_the_fitted_lambda_and_inverts_exactly()
    {
        var data = Data(Reg("a", TargetTransform.YeoJohnson), Reg("b", TargetTransform.Standardize));
        var encoder = FeatureEncoder.Fit(data);
        var t = encoder.GetTargetTransform("a")!;
        t.Lambda.Should().Be(FittedTargetTransform.FitYeoJohnsonLambda(A));
        var expected = Population(A.Select(y => FittedTargetTransform.YeoJohnson(y, t.Lambda)));
        t.Standardization!.Value.Mean.Should().BeApproximately(expected.Mean, 1e-9);
        t.Standardization!.Value.Std.Should().BeApproximately(expected.Std, 1e-9);
        foreach (double y in A) encoder.InverseTarget("a", t.Apply(y)).Should().BeApproximately(y, 1e-9);
        encoder.GetTargetTransform("b")!.Lambda.Should().Be(double.NaN);
    }

    [Fact]
    public void A_target_group_shares_statistics_fitted_on_the_pooled_labels()
    {
        var data = Data(Reg("a", TargetTransform.Log, "price"), Reg("b", TargetTransform.Log, "price"));
        var encoder = FeatureEncoder.Fit(data);
        var pooled = Population(A.Concat(B.Where(v => !double.IsNaN(v))).Select(v => Math.Log(v)));
        encoder.TargetStatistics("a")!.Value.Mean.Should().BeApproximately(pooled.Mean, 1e-12);
        encoder.TargetStatistics("a")!.Value.Std.Should().BeApproximately(pooled.Std, 1e-12);
        encoder.TargetStatistics("b").Should().Be(encoder.TargetStatistics("a"));
        encoder.GetTargetTransform("b")!.Group.Should().Be("price");
        // The same price encodes to the same value in both tasks.
        var enc = encoder.Transform(data);
        var za = enc.Targets("a").ToArray();
        var zb = enc.Targets("b").ToArray();
        za[0].Should().BeApproximately((float)((Math.Log(100) - pooled.Mean) / pooled.Std), 1e-5f);
        zb[0].Should().BeApproximately((float)((Math.Log(50) - pooled.Mean) / pooled.Std), 1e-5f);

        // A group's Yeo-Johnson λ is fitted on the pooled labels too.
        var yj = FeatureEncoder.Fit(Data(Reg("a", TargetTransform.YeoJohnson, "p"), Reg("b", TargetTransform.YeoJohnson, "p")));
        yj.GetTargetTransform("a")!.Lambda.Should().Be(FittedTargetTransform.FitYeoJohnsonLambda([.. A, 50, 150, 1000]));
        yj.GetTargetTransform("b")!.Lambda.Should().Be(yj.GetTargetTransform("a")!.Lambda);
    }

    [Fact]
    public void A_group_task_without_training_labels_uses_the_groups_statistics()
    {
        var data = Data(Reg("a", TargetTransform.Standardize, "price"), Reg("b", TargetTransform.Standardize, "price"));
        var encoder = FeatureEncoder.Fit(data.Subset([2]));
        encoder.TargetStatistics("b").Should().Be(encoder.TargetStatistics("a"));
        encoder.TargetStatistics("a")!.Value.Mean.Should().Be(400);
    }

    [Fact]
    public void Tasks_of_a_group_must_share_one_transform()
    {
        FluentActions.Invoking(() => Data(Reg("a", TargetTransform.Log, "price"), Reg("b", TargetTransform.Standardize, "price")))
            .Should().Throw<ArgumentException>().WithMessage("Tasks 'a' (Log) and 'b' (Standardize) share TargetGroup 'price'*same TargetTransform*");
    }

    [Fact]
    public void Persistence_round_trips_transforms_groups_and_lambda()
    {
        var tasks = new[] { Reg("a", TargetTransform.YeoJohnson, "p"), Reg("b", TargetTransform.YeoJohnson, "p") };
        var data = Data(tasks[0], tasks[1]);
        var encoder = FeatureEncoder.Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"mt-target-{Guid.NewGuid():N}.json");
        try
        {
            encoder.Save(path);
            var loaded = FeatureEncoder.Load(path, data.Schema, tasks);
            foreach (var t in new[] { "a", "b" })
            {
                loaded.GetTargetTransform(t)!.Lambda.Should().Be(encoder.GetTargetTransform(t)!.Lambda);
                loaded.GetTargetTransform(t)!.Group.Should().Be("p");
                loaded.TargetStatistics(t).Should().Be(encoder.TargetStatistics(t));
            }
            loaded.Transform(data).Targets("b").ToArray().Should().Equal(encoder.Transform(data).Targets("b").ToArray());
            FluentActions.Invoking(() => FeatureEncoder.Load(path, data.Schema, [tasks[0] with { TargetGroup = null }, tasks[1]]))
                .Should().Throw<InvalidDataException>().WithMessage("*task 'a' has target transform YeoJohnson in group 'p' in the file but YeoJohnson in code*");
            FluentActions.Invoking(() => FeatureEncoder.Load(path, data.Schema, [tasks[0] with { TargetTransform = TargetTransform.Log }, tasks[1]]))
                .Should().Throw<InvalidDataException>().WithMessage("*task 'a' has target transform YeoJohnson*but Log*");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_version_1_file_still_loads_as_standardisation()
    {
        var data = TestData.Housing();
        var encoder = FeatureEncoder.Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"mt-v1-{Guid.NewGuid():N}.json");
        try
        {
            encoder.Save(path);
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
            json["Version"] = 1;
            foreach (var t in json["Tasks"]!.AsArray())
                foreach (var key in new[] { "TargetTransform", "TargetGroup", "Lambda" }) t!.AsObject().Remove(key);
            File.WriteAllText(path, json.ToJsonString());
            var loaded = FeatureEncoder.Load(path, TestData.HousingSchema(), TestData.HousingTasks());
            loaded.TargetStatistics("house").Should().Be(encoder.TargetStatistics("house"));
            loaded.GetTargetTransform("house")!.Kind.Should().Be(TargetTransform.Standardize);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
