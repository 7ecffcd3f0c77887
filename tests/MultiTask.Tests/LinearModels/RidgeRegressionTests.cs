using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Data;
using MultiTask.LinearModels;
using MultiTask.Tasks;

namespace MultiTask.Tests.LinearModels;

public class RidgeRegressionTests
{
    private static JsonNode Golden() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Goldens", "ridge.json")))!;

    public static IEnumerable<object[]> Cases => Golden()["cases"]!.AsArray().Select(c => new object[] { (string)c!["name"]! });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_scikit_learn_RidgeCV(string name)
    {
        var root = Golden();
        var c = root["cases"]!.AsArray().Single(n => (string)n!["name"]! == name)!;
        int rows = (int)c["rows"]!, columns = (int)c["columns"]!;
        var x = c["x"]!.AsArray().Select(v => (float)(double)v!).ToArray();
        var y = c["y"]!.AsArray().Select(v => (double)v!).ToArray();

        var model = RidgeRegression.Fit(x, rows, columns, y);

        model.Alpha.Should().BeApproximately((double)c["alpha"]!, 1e-9 * (double)c["alpha"]!, "the leave-one-out choice of α must agree");
        var coef = c["coef"]!.AsArray().Select(v => (double)v!).ToArray();
        double scale = coef.Max(Math.Abs);
        for (int j = 0; j < columns; j++)
            model.Weights[j].Should().BeApproximately(coef[j], 1e-6 * scale + 1e-9, $"weight {j}");
        model.Intercept.Should().BeApproximately((double)c["intercept"]!, 1e-6 * Math.Max(1, scale));
    }

    [Fact]
    public void Leave_one_out_error_equals_refitting_without_each_row()
    {
        // The closed form eᵢ/(1−hᵢᵢ) must equal n real refits at the chosen α.
        var gen = new MultiTask.Engine.Tensors.Generator(5);
        int n = 15, d = 3;
        var x = Enumerable.Range(0, n * d).Select(_ => (float)gen.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, n).Select(i => 2.0 * x[i * d] - x[i * d + 2] + 0.3 * gen.NextDouble()).ToArray();
        var model = RidgeRegression.Fit(x, n, d, y);
        double sse = 0;
        for (int i = 0; i < n; i++)
        {
            var keep = Enumerable.Range(0, n).Where(r => r != i).ToArray();
            var xi = keep.SelectMany(r => x.Skip(r * d).Take(d)).ToArray();
            var refit = RidgeRegression.Fit(xi, n - 1, d, keep.Select(r => y[r]).ToArray(), [model.Alpha]);
            double e = y[i] - refit.Predict(x.AsSpan(i * d, d));
            sse += e * e;
        }
        model.LeaveOneOutMse.Should().BeApproximately(sse / n, 1e-9);
    }

    [Fact]
    public void Fits_a_task_on_its_labelled_rows_and_predicts_in_user_units()
    {
        // price = 1000·size + 50000 exactly; the encoder standardises both, ridge undoes nothing by itself.
        var size = Enumerable.Range(0, 30).Select(i => 50.0 + i).ToArray();
        var price = size.Select(s => 1000 * s + 50000).ToArray();
        var labelled = price.Select((p, i) => i % 3 == 0 ? double.NaN : p).ToArray();
        var table = new Table().Add("size", size).Add("price", labelled);
        var data = MultiTaskDataset.FromTable(new FeatureSchema().Numeric("size"), [TaskSpec.Regression("price", ["size"])], table, new TableOptions { KeepUnlabeledRows = true });
        var encoder = FeatureEncoder.Fit(data);
        var encoded = encoder.Transform(data);

        var model = RidgeRegression.Fit(encoded, "price", alphas: [1e-8]);

        model.Task.Should().Be("price");
        encoded.RowCount.Should().Be(30);
        var predicted = model.Predict(encoded);
        for (int i = 0; i < size.Length; i++) predicted[i].Should().BeApproximately((float)price[i], 1f, "unlabelled rows are predicted too");
    }

    [Fact]
    public void Rejects_bad_input_with_clear_messages()
    {
        var act = () => RidgeRegression.Fit(new float[] { 1, 2 }, 1, 2, new double[] { 1 });
        act.Should().Throw<ArgumentException>().WithMessage("*at least 2 rows*");
        act = () => RidgeRegression.Fit(new float[] { 1, float.NaN }, 2, 1, new double[] { 1, 2 });
        act.Should().Throw<ArgumentException>().WithMessage("*row 1, column 0*NaN*");
        act = () => RidgeRegression.Fit(new float[] { 1, 2 }, 2, 1, new double[] { 1, 2 }, [0.0]);
        act.Should().Throw<ArgumentException>().WithMessage("*positive*");
    }
}
