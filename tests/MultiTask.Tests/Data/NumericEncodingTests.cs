using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Tests.Data;

/// <summary>Per-feature numeric encodings: robust and quantile scaling, piecewise-linear bins, the log step.</summary>
public class NumericEncodingTests
{
    /// <summary>One feature "x" used by task "y"; labels are irrelevant here.</summary>
    private static MultiTaskDataset Data(FeatureSchema schema, params double[] x) => MultiTaskDataset.FromArrays(
        schema, [TaskSpec.Regression("y", ["x"])], x.Select(v => new[] { v }).ToArray(), ["x"],
        new Dictionary<string, double[]> { ["y"] = x.Select((_, i) => (double)i).ToArray() });

    private static float[] Row(EncodedData data, int row) => data.Features.ToArray().AsSpan(row * data.Width, data.Width).ToArray();

    [Theory]
    [InlineData(0.975, 1.9599639845400536)]
    [InlineData(0.3, -0.5244005127080407)]
    [InlineData(0.02, -2.0537489106318225)]
    [InlineData(1e-7, -5.199337582192817)]
    [InlineData(0.5, 0.0)]
    public void Inverse_normal_cdf_matches_reference_values(double p, double expected) =>
        FittedNumeric.InverseNormalCdf(p).Should().BeApproximately(expected, 1e-12);

    [Fact]
    public void Robust_scaling_uses_the_median_and_interquartile_range()
    {
        var schema = new FeatureSchema().Numeric("x", NumericEncoding.Robust);
        var encoder = FeatureEncoder.Fit(Data(schema, 1, 2, 3, 4, 100));
        encoder.FeatureStatistics("x").Should().Be(new Standardization(3, 2), "median 3, quartiles 2 and 4");
        Row(encoder.Transform(Data(schema, 100)), 0)[0].Should().Be(48.5f);

        var constantQuartiles = FeatureEncoder.Fit(Data(schema, 5, 5, 5, 5, 9));
        constantQuartiles.FeatureStatistics("x").Should().Be(new Standardization(5, 1), "an IQR of 0 is replaced by 1");
    }

    [Fact]
    public void Quantile_encoding_maps_the_empirical_cdf_to_a_clipped_standard_normal()
    {
        var schema = new FeatureSchema().Numeric("x", NumericEncoding.Quantile);
        var encoder = FeatureEncoder.Fit(Data(schema, 5, 1, 4, 2, 3));
        var enc = encoder.Transform(Data(schema, 3, 2, 2.5, 1, 100, -7));
        var z = enc.Features.ToArray();
        z[0].Should().BeApproximately(0f, 1e-6f, "the median is at p = 0.5");
        z[1].Should().BeApproximately(-0.6744897501960817f, 1e-6f, "2 is at p = 0.25");
        z[2].Should().BeApproximately(-0.31863936396437514f, 1e-6f, "2.5 interpolates to p = 0.375");
        z[3].Should().BeApproximately(-5.199337582192817f, 1e-5f, "the training minimum is clipped at p = 1e-7");
        z[4].Should().BeApproximately(5.199337582290662f, 1e-5f);
        z[5].Should().BeApproximately(-5.199337582192817f, 1e-5f);
        FluentActions.Invoking(() => encoder.FeatureStatistics("x")).Should().Throw<InvalidOperationException>().WithMessage("*Quantile encoded*");

        // Ties take the middle of their step: three 1s out of four values sit at p = (0 + 2/3) / 2.
        var tied = FeatureEncoder.Fit(Data(schema, 1, 1, 1, 2));
        Row(tied.Transform(Data(schema, 1)), 0)[0].Should().BeApproximately(-0.43072729929545744f, 1e-6f);
    }

    [Fact]
    public void Piecewise_linear_bins_have_training_quantile_edges_and_named_columns()
    {
        var schema = new FeatureSchema().Numeric("x", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 4 });
        var train = Data(schema, 9, 1, 8, 2, 7, 3, 6, 4, 5);
        var encoder = FeatureEncoder.Fit(train);
        encoder.BinEdges("x").Should().Equal(1, 3, 5, 7, 9);
        encoder.ColumnNames.Should().Equal("x:ple0", "x:ple1", "x:ple2", "x:ple3");
        encoder.Columns.Should().OnlyContain(c => c.Kind == EncodedColumnKind.PiecewiseLinear && c.Feature == "x");
        encoder.Block("x").Should().Be(new FeatureBlock(schema["x"], 0, 4, -1));

        var enc = encoder.Transform(Data(schema, 4, 5, 0, 10, 1));
        Row(enc, 0).Should().Equal(1f, 0.5f, 0f, 0f);
        Row(enc, 1).Should().Equal([1f, 1f, 0f, 0f], "a value on an inner edge fills the bins below it and starts the next at 0");
        Row(enc, 2).Should().Equal([-0.5f, 0f, 0f, 0f], "the first bin is not clipped below (the paper's extrapolation)");
        Row(enc, 3).Should().Equal([1f, 1f, 1f, 1.5f], "the last bin is not clipped above");
        Row(enc, 4).Should().Equal(0f, 0f, 0f, 0f);
        encoder.BinEdges("x").Should().Equal([1, 3, 5, 7, 9], "transforming other rows never refits");
    }

    [Fact]
    public void Piecewise_linear_edges_are_the_linear_quantiles_of_random_training_values_and_ties_merge_bins()
    {
        var g = new Generator(9);
        var values = Enumerable.Range(0, 101).Select(_ => Math.Exp(g.NextNormal())).ToArray();
        var schema = new FeatureSchema().Numeric("x", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 5 });
        var edges = FeatureEncoder.Fit(Data(schema, values)).BinEdges("x");
        var sorted = values.Order().ToArray();
        // 101 values: the quantile at i/5 is exactly the sorted value at position 20·i.
        edges.Should().Equal(sorted[0], sorted[20], sorted[40], sorted[60], sorted[80], sorted[100]);

        var tied = FeatureEncoder.Fit(Data(new FeatureSchema().Numeric("x", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 4 }), 1, 1, 1, 1, 2, 3));
        tied.BinEdges("x").Should().Equal([1, 1.75, 3], "quantiles 1, 1, 1, 1.75, 3 keep their distinct values");
        tied.Width.Should().Be(2);
    }

    [Fact]
    public void Piecewise_linear_encoding_is_monotone_and_missing_values_are_all_zero_with_presence_0()
    {
        var schema = new FeatureSchema().Numeric("x", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 6 });
        var g = new Generator(4);
        var train = Data(schema, [.. Enumerable.Range(0, 60).Select(_ => g.NextNormal()), double.NaN]);
        var encoder = FeatureEncoder.Fit(train);
        encoder.Block("x").HasPresence.Should().BeTrue("a training value is missing");
        var sweep = Enumerable.Range(0, 81).Select(i => -4 + 0.1 * i).ToArray();
        var enc = encoder.Transform(Data(schema, [.. sweep, double.NaN]));
        int bins = encoder.Block("x").Width;
        for (int r = 1; r < sweep.Length; r++)
        {
            var before = Row(enc, r - 1);
            var after = Row(enc, r);
            for (int b = 0; b < bins; b++) after[b].Should().BeGreaterThanOrEqualTo(before[b], $"bin {b} is non-decreasing in x");
            after.Take(bins).Sum().Should().BeGreaterThan(before.Take(bins).Sum(), "the sum of the bins is strictly increasing");
        }
        var missing = Row(enc, sweep.Length);
        missing.Should().OnlyContain(v => v == 0f, "a missing value is all zero and its presence flag is 0");
    }

    [Fact]
    public void Log_step_applies_log1p_before_scaling_and_rejects_negative_values()
    {
        var schema = new FeatureSchema().Numeric("x", new NumericOptions { Log = true });
        var encoder = FeatureEncoder.Fit(Data(schema, 0, Math.E - 1, Math.E * Math.E - 1));
        encoder.FeatureStatistics("x").Mean.Should().BeApproximately(1, 1e-12);
        encoder.FeatureStatistics("x").Std.Should().BeApproximately(Math.Sqrt(2.0 / 3), 1e-12);
        Row(encoder.Transform(Data(schema, Math.Exp(3) - 1)), 0)[0].Should().BeApproximately((float)(2 / Math.Sqrt(2.0 / 3)), 1e-5f);

        FluentActions.Invoking(() => FeatureEncoder.Fit(Data(schema, 1, -2, 3))).Should().Throw<ArgumentException>()
            .WithMessage("Numeric feature 'x' uses the log step*training row 1 is -2*non-negative*");
        FluentActions.Invoking(() => encoder.Transform(Data(schema, 1, 2, -0.5))).Should().Throw<ArgumentException>()
            .WithMessage("Numeric feature 'x' uses the log step*data row 2 is -0.5*");
    }

    [Fact]
    public void Schema_options_are_validated_compared_and_shown()
    {
        FluentActions.Invoking(() => new FeatureSchema().Numeric("x", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 1 }))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Feature 'x' asks for 1 piecewise-linear bins*2..1024*");
        var ple = new FeatureSchema().Numeric("x", NumericEncoding.PiecewiseLinear);
        ple["x"].NumericOptions!.Bins.Should().Be(NumericOptions.DefaultBins);
        ple["x"].ToString().Should().Be("x (numeric, PiecewiseLinear, 48 bins)");
        new FeatureSchema().Numeric("x")["x"].ToString().Should().Be("x (numeric)");
        new FeatureSchema().Numeric("c", NumericEncoding.Robust).Categorical("k", "a")["k"].NumericOptions.Should().BeNull();

        var encoder = FeatureEncoder.Fit(Data(new FeatureSchema().Numeric("x"), 1, 2, 3));
        FluentActions.Invoking(() => encoder.Transform(Data(new FeatureSchema().Numeric("x", NumericEncoding.Robust), 1, 2)))
            .Should().Throw<ArgumentException>().WithMessage("*schema*differs*");
    }

    [Fact]
    public void Persistence_round_trips_every_numeric_encoding()
    {
        var schema = new FeatureSchema()
            .Numeric("a", NumericEncoding.Robust)
            .Numeric("b", new NumericOptions { Encoding = NumericEncoding.Quantile, Log = true })
            .Numeric("c", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 7 })
            .Numeric("d");
        var g = new Generator(8);
        string[] names = ["a", "b", "c", "d"];
        var rows = Enumerable.Range(0, 40).Select(_ => names.Select(_ => Math.Exp(g.NextNormal())).ToArray()).ToArray();
        var tasks = new[] { TaskSpec.Regression("y", names) };
        var data = MultiTaskDataset.FromArrays(schema, tasks, rows, names, new Dictionary<string, double[]> { ["y"] = rows.Select(r => r[0]).ToArray() });
        var encoder = FeatureEncoder.Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"mt-numeric-{Guid.NewGuid():N}.json");
        try
        {
            encoder.Save(path);
            var loaded = FeatureEncoder.Load(path, schema, tasks);
            loaded.ColumnNames.Should().Equal(encoder.ColumnNames);
            loaded.BinEdges("c").Should().Equal(encoder.BinEdges("c"));
            loaded.Transform(data).Features.ToArray().Should().Equal(encoder.Transform(data).Features.ToArray());

            var other = new FeatureSchema().Numeric("a").Numeric("b", new NumericOptions { Encoding = NumericEncoding.Quantile, Log = true })
                .Numeric("c", new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 7 }).Numeric("d");
            FluentActions.Invoking(() => FeatureEncoder.Load(path, other, tasks)).Should().Throw<InvalidDataException>()
                .WithMessage("*numeric feature 'a' is encoded Robust*in the file but Standard in the schema*");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
