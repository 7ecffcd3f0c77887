using FluentAssertions;
using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Tests.Data;

public class FeatureEncoderTests
{
    [Fact]
    public void Sacramento_layout_has_presence_columns_for_features_some_task_does_not_use()
    {
        var (train, _, _) = TestData.Sacramento().Split(42, 0.15, 0.15);
        var encoder = FeatureEncoder.Fit(train);
        encoder.ColumnNames.Should().Equal(
            "beds", "baths", "sqft", "latitude", "latitude:present", "longitude", "longitude:present",
            "city=SACRAMENTO", "city=ELK_GROVE", "city=ROSEVILLE", "city:present");
        encoder.Width.Should().Be(11);
        encoder.Block("city").Should().Be(new FeatureBlock(train.Schema["city"], 7, 3, 10));
        encoder.Block("sqft").HasPresence.Should().BeFalse("every task uses sqft and it is never missing");
        encoder.TaskColumns("condo").Should().Equal(0, 1, 2);
        encoder.TaskColumns("house").Should().Equal(Enumerable.Range(0, 11));
    }

    [Fact]
    public void Encoded_shapes_and_targets()
    {
        var (train, validation, _) = TestData.Sacramento().Split(42, 0.15, 0.15);
        var encoder = FeatureEncoder.Fit(train);
        var enc = encoder.Transform(validation);
        enc.Features.Shape.Should().Equal(138, 11);
        enc.Targets("house").Shape.Should().Equal(138, 1);
        enc.Mask("condo").Shape.Should().Equal(138);
        enc.LabelCount("condo").Should().Be(8);
        var mask = enc.Mask("condo").ToArray();
        var y = enc.Targets("condo").ToArray();
        for (int r = 0; r < mask.Length; r++)
            if (mask[r] == 0f) y[r].Should().Be(0f, "unlabelled targets hold 0, never NaN");
        y.Should().OnlyContain(v => float.IsFinite(v));
    }

    [Fact]
    public void Numeric_features_and_regression_targets_are_standardised_with_training_statistics()
    {
        var (train, _, _) = TestData.Sacramento().Split(42, 0.15, 0.15);
        var encoder = FeatureEncoder.Fit(train);
        var sqft = train.NumericValues("sqft");
        double mean = sqft.Average();
        double std = Math.Sqrt(sqft.Sum(v => (v - mean) * (v - mean)) / sqft.Count);
        encoder.FeatureStatistics("sqft").Mean.Should().BeApproximately(mean, 1e-9);
        encoder.FeatureStatistics("sqft").Std.Should().BeApproximately(std, 1e-9);

        var condoPrices = train.TargetValues("condo").Where(v => !double.IsNaN(v)).ToArray();
        condoPrices.Should().HaveCount(37);
        var stats = encoder.TargetStatistics("condo")!.Value;
        stats.Mean.Should().BeApproximately(condoPrices.Average(), 1e-6);

        var enc = encoder.Transform(train);
        var z = enc.Targets("condo").ToArray();
        var m = enc.Mask("condo").ToArray();
        var labelled = z.Where((_, i) => m[i] == 1f).ToArray();
        ((double)labelled.Average()).Should().BeApproximately(0, 1e-5);
        Math.Sqrt(labelled.Average(v => (double)v * v)).Should().BeApproximately(1, 1e-4);

        var back = encoder.InverseTarget("condo", labelled);
        back.Select(v => (double)v).Should().Equal(condoPrices, (a, b) => Math.Abs(a - b) < 0.05);
        encoder.InverseTarget("condo", 0.0).Should().BeApproximately(stats.Mean, 1e-9);
        encoder.InverseTarget("condo", enc.Targets("condo")).Shape.Should().Equal(train.RowCount, 1);
    }

    [Fact]
    public void Changing_a_test_value_does_not_change_the_fitted_statistics()
    {
        var table = Table.FromCsv(TestData.SacramentoPath);
        var original = MultiTaskDataset.FromTable(TestData.SacramentoSchema(), TestData.SacramentoTasks(), table, TestData.ByType);
        var baseline = FeatureEncoder.Fit(original.Split(42, 0.15, 0.15).Train);

        const double Marker = 9_999_999;
        for (int row = 0; row < original.RowCount; row++)
        {
            var sqft = original.NumericValues("sqft").ToArray();
            sqft[row] = Marker;
            var changed = Rebuild(original, sqft);
            var (train, _, test) = changed.Split(42, 0.15, 0.15);
            if (!test.NumericValues("sqft").Contains(Marker)) continue;

            var refit = FeatureEncoder.Fit(train);
            refit.FeatureStatistics("sqft").Should().Be(baseline.FeatureStatistics("sqft"));
            refit.TargetStatistics("house").Should().Be(baseline.TargetStatistics("house"));
            FeatureEncoder.Fit(changed).FeatureStatistics("sqft").Mean.Should().NotBe(FeatureEncoder.Fit(original).FeatureStatistics("sqft").Mean,
                "the marker does move statistics fitted on all rows");
            return;
        }
        Assert.Fail("No row landed in the test split.");
    }

    private static MultiTaskDataset Rebuild(MultiTaskDataset d, double[] sqft)
    {
        var t = new Table("changed");
        foreach (var f in new[] { "beds", "baths", "latitude", "longitude" }) t.Add(f, d.NumericValues(f).ToArray());
        t.Add("sqft", sqft).Add("city", d.CategoricalValues("city").ToArray());
        var price = d.TargetValues("house").Zip(d.TargetValues("condo"), (h, c) => double.IsNaN(h) ? c : h).ToArray();
        var type = d.Mask("house").Select(m => m == 1f ? "Residential" : "Condo").ToArray();
        t.Add("price", price).Add("type", type);
        return MultiTaskDataset.FromTable(d.Schema, d.Tasks, t, TestData.ByType);
    }

    [Fact]
    public void Unknown_category_encodes_as_zeros_and_is_counted()
    {
        var data = TestData.Sacramento();
        var encoder = FeatureEncoder.Fit(data);
        var enc = encoder.Transform(data);
        enc.UnknownCategoryCounts.Should().Equal(new Dictionary<string, int> { ["city"] = 329 });
        int row = data.CategoricalValues("city").ToList().IndexOf("CITRUS_HEIGHTS");
        var block = encoder.Block("city");
        var x = enc.Features;
        for (int c = 0; c < block.Width; c++) x[row, block.Start + c].Should().Be(0f);
        x[row, block.PresenceColumn].Should().Be(1f, "a value was given, it is just not a known category");
        int sac = data.CategoricalValues("city").ToList().IndexOf("SACRAMENTO");
        x[sac, block.Start].Should().Be(1f);
    }

    [Fact]
    public void Seed_example_encodes_missing_features_with_presence_flags()
    {
        var data = TestData.Housing();
        var encoder = FeatureEncoder.Fit(data);
        encoder.ColumnNames.Should().Equal("size_sqft", "bedrooms", "bathrooms", "bathrooms:present",
            "location=downtown", "location=suburb", "location=rural", "location:present");
        encoder.TaskColumns("house").Should().Equal(0, 1, 2, 3);
        encoder.TaskColumns("apartment").Should().Equal(0, 1, 4, 5, 6, 7);
        var x = encoder.Transform(data).Features;
        // Row 4 is the first apartment: no bathrooms, location downtown.
        x[4, 2].Should().Be(0f);
        x[4, 3].Should().Be(0f);
        x[4, 4].Should().Be(1f);
        x[4, 7].Should().Be(1f);
        // Row 0 is a house: bathrooms present, no location.
        x[0, 3].Should().Be(1f);
        x[0, 7].Should().Be(0f);
        // Bathrooms standardised over the 4 houses only: mean 2.5, std 0.5, so 2 -> -1.
        encoder.FeatureStatistics("bathrooms").Should().Be(new Standardization(2.5, 0.5));
        x[0, 2].Should().Be(-1f);
    }

    [Fact]
    public void Missing_numeric_value_becomes_the_mean_with_presence_zero_and_embeddings_reserve_index_zero()
    {
        var schema = new FeatureSchema().Numeric("x").Categorical("c", CategoricalEncoding.Embedding, "p", "q");
        var tasks = new[] { TaskSpec.Regression("y", ["x", "c"]) };
        var table = new Table("t").Add("x", [1.0, double.NaN, 3.0, 5.0]).Add("c", ["q", "p", "zzz", null]).Add("y", [1.0, 2, 3, 4]);
        var data = MultiTaskDataset.FromTable(schema, tasks, table);
        var encoder = FeatureEncoder.Fit(data);
        encoder.ColumnNames.Should().Equal("x", "x:present", "c:index", "c:present");
        encoder.Columns[2].Kind.Should().Be(EncodedColumnKind.EmbeddingIndex);
        encoder.Block("c").Feature.Cardinality.Should().Be(3);
        encoder.FeatureStatistics("x").Mean.Should().Be(3.0, "the mean of the present values 1, 3, 5");
        var enc = encoder.Transform(data);
        float z1 = (float)((1 - 3) / Math.Sqrt(8.0 / 3)), z5 = (float)((5 - 3) / Math.Sqrt(8.0 / 3));
        // Rows: x=1 c=q; x missing c=p; x=3 c unknown; x=5 c missing.
        enc.Features.ToArray().Should().Equal(
            z1, 1, 2, 1,
            0, 0, 1, 1,
            0, 1, 0, 1,
            z5, 1, 0, 0);
        enc.UnknownCategoryCounts.Should().Equal(new Dictionary<string, int> { ["c"] = 1 });
    }

    [Fact]
    public void Fit_rejects_an_empty_dataset() =>
        FluentActions.Invoking(() => FeatureEncoder.Fit(TestData.Housing().Subset([])))
            .Should().Throw<ArgumentException>().WithMessage("*empty dataset*training split*");

    [Fact]
    public void Fit_gives_a_task_without_training_labels_identity_target_statistics()
    {
        // Houses only: a single-task baseline fitted on one table of the two-table dataset.
        var houses = TestData.Housing().Subset([0, 1, 2, 3]);
        var encoder = FeatureEncoder.Fit(houses);
        encoder.TargetStatistics("apartment").Should().Be(new Standardization(0, 1));
        encoder.InverseTarget("apartment", 1.5).Should().Be(1.5);
        encoder.TargetStatistics("house")!.Value.Mean.Should().BeApproximately((250e3 + 410e3 + 300e3 + 520e3) / 4, 1e-6);
        var enc = encoder.Transform(TestData.Housing());
        enc.Targets("apartment").ToArray()[4].Should().Be(310e3f, "identity statistics leave the label as it is");
    }

    [Fact]
    public void Fit_rejects_a_numeric_feature_without_training_values()
    {
        var schema = new FeatureSchema().Numeric("x").Numeric("unused");
        var data = MultiTaskDataset.FromTable(schema, [TaskSpec.Regression("y", ["x"])], new Table("t").Add("x", [1.0]).Add("y", [2.0]));
        FluentActions.Invoking(() => FeatureEncoder.Fit(data))
            .Should().Throw<InvalidOperationException>().WithMessage("Numeric feature 'unused' has no values in the training data*ColumnMap*remove it*");
    }

    [Fact]
    public void Transform_rejects_data_with_another_schema()
    {
        var encoder = FeatureEncoder.Fit(TestData.Housing());
        FluentActions.Invoking(() => encoder.Transform(TestData.Sacramento()))
            .Should().Throw<ArgumentException>().WithMessage("*schema*differs from the encoder's*same FeatureSchema*");
    }
}
