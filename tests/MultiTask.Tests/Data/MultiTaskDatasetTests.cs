using FluentAssertions;
using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Tests.Data;

public class MultiTaskDatasetTests
{
    [Fact]
    public void Sacramento_routes_type_to_house_and_condo_tasks()
    {
        var data = TestData.Sacramento();
        data.LabelCount("house").Should().Be(866);
        data.LabelCount("condo").Should().Be(53);
        data.RowCount.Should().Be(919, "the 13 Multi_Family rows label no task and are dropped");
        // First data line: SACRAMENTO, 2 beds, 1 bath, 836 sqft, Residential, 59222.
        data.NumericValues("sqft")[0].Should().Be(836);
        data.CategoricalValues("city")[0].Should().Be("SACRAMENTO");
        data.TargetValues("house")[0].Should().Be(59222);
    }

    [Fact]
    public void A_row_of_one_task_is_masked_for_the_other()
    {
        var data = TestData.Sacramento();
        var house = data.Mask("house");
        var condo = data.Mask("condo");
        for (int r = 0; r < data.RowCount; r++)
            (house[r] + condo[r]).Should().Be(1f, "each Sacramento row labels exactly one of the two tasks");
        int condoRow = Enumerable.Range(0, data.RowCount).First(r => condo[r] == 1f);
        data.IsLabeled("house", condoRow).Should().BeFalse();
        double.IsNaN(data.TargetValues("house")[condoRow]).Should().BeTrue();
        data.TargetValues("condo")[condoRow].Should().BePositive();
    }

    [Fact]
    public void Keep_unlabeled_rows_keeps_multi_family()
    {
        var data = MultiTaskDataset.FromCsv(TestData.SacramentoPath, TestData.SacramentoSchema(), TestData.SacramentoTasks(),
            TestData.ByType with { KeepUnlabeledRows = true });
        data.RowCount.Should().Be(932);
        (data.LabelCount("house") + data.LabelCount("condo")).Should().Be(919);
    }

    [Fact]
    public void Unknown_categories_are_counted()
    {
        var data = TestData.Sacramento();
        var unknown = data.UnknownCategories();
        unknown.Should().OnlyContain(u => u.Feature == "city");
        // 919 rows: 428 SACRAMENTO + 114 ELK_GROVE + 48 ROSEVILLE known, 329 in other cities.
        unknown.Sum(u => u.Count).Should().Be(329);
        unknown[0].Should().Be(new UnknownCategory("city", "CITRUS_HEIGHTS", 34), "the most frequent unknown city comes first");
    }

    [Fact]
    public void Seed_example_combines_houses_and_apartments_tables()
    {
        var data = TestData.Housing();
        data.RowCount.Should().Be(7);
        data.LabelCount("house").Should().Be(4);
        data.LabelCount("apartment").Should().Be(3);
        data.Mask("house").Should().Equal(1f, 1f, 1f, 1f, 0f, 0f, 0f);
        data.Mask("apartment").Should().Equal(0f, 0f, 0f, 0f, 1f, 1f, 1f);
        data.NumericValues("bathrooms").Skip(4).Should().OnlyContain(v => double.IsNaN(v), "apartments have no bathrooms column");
        data.CategoricalValues("location").Take(4).Should().OnlyContain(v => v == null, "houses have no location column");
        data.CategoricalValues("location").Skip(4).Should().Equal("downtown", "suburb", "rural");
    }

    [Fact]
    public void From_arrays_reads_NaN_as_missing()
    {
        var schema = new FeatureSchema().Numeric("x").Numeric("y");
        var tasks = new[] { TaskSpec.Regression("a", ["x", "y"]), TaskSpec.Binary("b", ["x"]) };
        var data = MultiTaskDataset.FromArrays(schema, tasks, new double[,] { { 1, 2 }, { 3, double.NaN }, { 5, 6 } }, ["x", "y"],
            new Dictionary<string, double[]> { ["a"] = [1.5, double.NaN, 2.5], ["b"] = [0, 1, double.NaN] });
        data.RowCount.Should().Be(3);
        data.Mask("a").Should().Equal(1f, 0f, 1f);
        data.Mask("b").Should().Equal(1f, 1f, 0f);
        double.IsNaN(data.NumericValues("y")[1]).Should().BeTrue();
    }

    [Fact]
    public void Jagged_arrays_work_like_a_matrix()
    {
        var schema = new FeatureSchema().Numeric("x");
        var data = MultiTaskDataset.FromArrays(schema, [TaskSpec.Regression("a", ["x"])], [[1.0], [2.0]], ["x"],
            new Dictionary<string, double[]> { ["a"] = [1, 2] });
        data.NumericValues("x").Should().Equal(1.0, 2.0);
    }

    [Fact]
    public void Classification_labels_from_text()
    {
        var csv = "x,sold,kind,garden,pool\n1,true,flat,1,0\n2,0,house,,\n3,FALSE,,0,1\n";
        var schema = new FeatureSchema().Numeric("x");
        var tasks = new[]
        {
            TaskSpec.Binary("sold", ["x"]),
            TaskSpec.Multiclass("kind", ["house", "flat"], ["x"]),
            TaskSpec.Multilabel("tags", ["x"], ["garden", "pool"]),
        };
        var data = MultiTaskDataset.FromCsv(new StringReader(csv), schema, tasks);
        data.TargetValues("sold").Should().Equal(1.0, 0.0, 0.0);
        data.TargetValues("kind")[0].Should().Be(1);
        data.TargetValues("kind")[1].Should().Be(0);
        data.Mask("kind").Should().Equal(1f, 1f, 0f);
        data.Mask("tags").Should().Equal(1f, 0f, 1f);
        data.TargetValues("tags").Take(2).Should().Equal(1.0, 0.0);
    }

    [Fact]
    public void Column_map_renames_columns()
    {
        var csv = "area,value\n10,1\n20,2\n";
        var schema = new FeatureSchema().Numeric("size_sqft");
        var data = MultiTaskDataset.FromCsv(new StringReader(csv), schema, [TaskSpec.Regression("price", ["size_sqft"])],
            new CsvOptions { ColumnMap = new Dictionary<string, string> { ["size_sqft"] = "area", ["price"] = "value" } });
        data.NumericValues("size_sqft").Should().Equal(10.0, 20.0);
        data.TargetValues("price").Should().Equal(1.0, 2.0);
    }

    [Fact]
    public void Csv_is_read_with_the_invariant_culture_and_a_custom_delimiter()
    {
        var csv = "x;y\n1.5;2\n";
        var data = MultiTaskDataset.FromCsv(new StringReader(csv), new FeatureSchema().Numeric("x"), [TaskSpec.Regression("y", ["x"])],
            new CsvOptions { Delimiter = ';' });
        data.NumericValues("x")[0].Should().Be(1.5);
    }

    [Fact]
    public void Concat_rejects_different_schemas()
    {
        var a = TestData.Housing();
        var other = MultiTaskDataset.FromTable(new FeatureSchema().Numeric("size_sqft"), [TaskSpec.Regression("house", ["size_sqft"])],
            new Table("t").Add("size_sqft", [1.0]).Add("house", [2.0]));
        FluentActions.Invoking(() => MultiTaskDataset.Concat(a, other))
            .Should().Throw<ArgumentException>().WithMessage("*Dataset 1 has schema*same FeatureSchema*");
    }

    [Fact]
    public void Subset_copies_rows_in_order()
    {
        var data = TestData.Housing();
        var sub = data.Subset([6, 0]);
        sub.RowCount.Should().Be(2);
        sub.NumericValues("size_sqft").Should().Equal(720.0, 1400.0);
        sub.Mask("apartment").Should().Equal(1f, 0f);
    }
}
