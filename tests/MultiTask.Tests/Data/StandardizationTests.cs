using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;

namespace MultiTask.Tests.Data;

/// <summary>Feature and target statistics at the edges of the double range.</summary>
public class StandardizationTests
{
    private static MultiTaskDataset Data(double[] x, double[] y, NumericEncoding encoding = NumericEncoding.Standard)
    {
        var features = new double[x.Length, 1];
        for (int i = 0; i < x.Length; i++) features[i, 0] = x[i];
        return MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x", encoding), [TaskSpec.Regression("y", ["x"])], features, ["x"],
            new Dictionary<string, double[]> { ["y"] = y });
    }

    [Fact]
    public void Fit_of_values_near_the_double_maximum_is_finite_and_exact()
    {
        // Plain sums: 1e308 + 1e308 = ∞; (1e300 − (−1e300))² = ∞.
        var a = Standardization.Fit([1e308, 1e308, 1e308]);
        a.Mean.Should().Be(1e308);
        a.Std.Should().Be(1, "the values are constant");
        var b = Standardization.Fit([1e300, -1e300, 1e300, -1e300]);
        b.Mean.Should().Be(0);
        b.Std.Should().BeApproximately(1e300, 1e285);
        b.Apply(1e300).Should().BeApproximately(1, 1e-12);
        var c = Standardization.Fit([1.5e308, -1.5e308]);
        c.Std.Should().BeApproximately(1.5e308, 1e293);
        c.Apply(1.5e308).Should().BeApproximately(1, 1e-12, "x − mean overflows, the result does not");
    }

    [Fact]
    public void Fit_matches_the_two_pass_formula_on_ordinary_data()
    {
        double[] v = [3.25, -1.5, 7.0, 0.125, 2.0];
        double mean = v.Average();
        double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
        var s = Standardization.Fit(v);
        s.Mean.Should().Be(mean);
        s.Std.Should().Be(std);
    }

    [Fact]
    public void Constant_test_is_relative_so_tiny_units_survive()
    {
        // Before: std > 1e-12·max(1, |mean|) called 1e-13-sized variation constant (std := 1).
        var s = Standardization.Fit([1e-13, 2e-13, 3e-13]);
        s.Std.Should().BeApproximately(Math.Sqrt(2.0 / 3) * 1e-13, 1e-27);
        s.Apply(3e-13).Should().BeApproximately(Math.Sqrt(1.5), 1e-9);
        Standardization.Fit([0.1, 0.1, 0.1]).Std.Should().Be(1);
        Standardization.Fit([0, 0]).Should().Be(new Standardization(0, 1));
        Standardization.Fit([1e6, 1e6 * (1 + 1e-15)]).Std.Should().Be(1, "a spread of 1e-15 relative to the mean is rounding");
    }

    [Fact]
    public void Encoder_keeps_a_huge_feature_and_a_huge_spread_finite()
    {
        double[] y = [1, 2, 3, 4];
        var encoder = FeatureEncoder.Fit(Data([1e308, 1e308, 1e308, 1e308], y));
        encoder.FeatureStatistics("x").Mean.Should().Be(1e308);
        var spread = Data([1e300, -1e300, 1e300, -1e300], y);
        var encoded = FeatureEncoder.Fit(spread).Transform(spread).Features.ToArray();
        encoded.Should().Equal([1f, -1f, 1f, -1f], "before, std = ∞ made the feature all zeros");
    }

    [Fact]
    public void Robust_encoding_rejects_a_range_beyond_double_and_piecewise_linear_stays_finite()
    {
        double[] y = [1, 2, 3, 4];
        FluentActions.Invoking(() => FeatureEncoder.Fit(Data([-1.7e308, -1.7e308, 1.7e308, 1.7e308], y, NumericEncoding.Robust)))
            .Should().Throw<ArgumentException>().WithMessage("Numeric feature 'x'*interquartile range exceeds the double range*Rescale*");
        var wide = Data([-1.7e308, -1e308, 1e308, 1.7e308], y, NumericEncoding.PiecewiseLinear);
        FeatureEncoder.Fit(wide).Transform(wide).Features.ToArray().Should().OnlyContain(v => float.IsFinite(v) && v >= 0 && v <= 1);
        var constant = Data([1e300, 1e300, 1e300, 1e300], y, NumericEncoding.PiecewiseLinear);
        var encoder = FeatureEncoder.Fit(constant);
        encoder.BinEdges("x").Should().HaveCount(2);
        encoder.Transform(constant).Features.ToArray().Should().OnlyContain(v => float.IsFinite(v), "1e300 + 1 = 1e300 gave a zero-width bin");
    }

    private static double TrainedR2(double unit)
    {
        var g = new Generator(5);
        int n = 64;
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = g.NextNormal();
            y[i] = (2 * x[i] + 0.1 * g.NextNormal()) * unit;
        }
        var data = Data(x, y);
        var encoder = FeatureEncoder.Fit(data);
        var model = MultiTaskModel.HardSharing(encoder.Width, [("y", 1)], backbone: [8], generator: new Generator(2));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 20, BatchSize = 16, Seed = 4, Optimizer = new MultiTask.Engine.Optim.AdamOptions { LearningRate = 0.02 } });
        var encoded = encoder.Transform(data);
        trainer.Fit(encoded);
        return trainer.Evaluate(encoded)["y"]["r2"];
    }

    [Fact]
    public void Targets_scaled_by_1e_minus_30_train_like_the_unscaled_targets()
    {
        // Standardised targets do not depend on the unit, so neither does the fit. Before, the absolute
        // constant test replaced the std of 1e-30-sized targets by 1 and R² was about −1e45.
        double unscaled = TrainedR2(1);
        unscaled.Should().BeGreaterThan(0.9);
        TrainedR2(1e-30).Should().BeApproximately(unscaled, 1e-3);
    }

    [Fact]
    public void A_value_whose_encoding_exceeds_float32_is_refused_naming_the_feature()
    {
        // Robust scaling by an IQR of about 1000 maps the training outlier 1e300 to 1e297: float32 ∞ before.
        var robust = Data([5, 500, 1e3, 1e300, 2e-13], [1, 2, 3, 4, 5], NumericEncoding.Robust);
        FluentActions.Invoking(() => FeatureEncoder.Fit(robust).Transform(robust)).Should().Throw<ArgumentException>()
            .WithMessage("Numeric feature 'x', data row 3: value 1E+300 lies so far from the training values that its Robust encoding exceeds the float32 range*NumericEncoding.Quantile*");

        var train = Data([1, 2, 3, 4], [1, 2, 3, 4]);
        var encoder = FeatureEncoder.Fit(train);
        var model = MultiTaskModel.HardSharing(encoder.Width, [("y", 1)], backbone: [4], generator: new Generator(1));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 1 });
        trainer.Fit(encoder.Transform(train));
        FluentActions.Invoking(() => encoder.Transform(Data([1e300], [1]))).Should().Throw<ArgumentException>().WithMessage("Numeric feature 'x', data row 0*");
        trainer.Predict(encoder.Transform(Data([2.5], [1])))["y"].Shape.Should().Equal([1, 1]);
    }
}
