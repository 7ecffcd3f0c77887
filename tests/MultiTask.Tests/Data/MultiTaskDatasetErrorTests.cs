using FluentAssertions;
using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.Tests.Data;

public class MultiTaskDatasetErrorTests
{
    private static readonly FeatureSchema Schema = new FeatureSchema().Numeric("sqft").Categorical("loc", "a", "b");
    private static readonly TaskSpec[] Tasks = [TaskSpec.Regression("price", ["sqft", "loc"])];

    private static MultiTaskDataset Csv(string text, TaskSpec[]? tasks = null, CsvOptions? options = null) =>
        MultiTaskDataset.FromCsv(new StringReader(text), Schema, tasks ?? Tasks, options, name: "homes.csv");

    [Fact]
    public void Missing_column_names_it_and_the_columns_found() =>
        FluentActions.Invoking(() => Csv("Sqft,loc,price\n1,a,2\n"))
            .Should().Throw<InvalidDataException>()
            .WithMessage("*'homes.csv' has no column 'sqft'*task 'price'*Columns found: Sqft, loc, price*Did you mean 'Sqft'*ColumnMap*");

    [Fact]
    public void Missing_label_column_says_how_to_leave_the_task_out() =>
        FluentActions.Invoking(() => Csv("sqft,loc\n1,a\n"))
            .Should().Throw<InvalidDataException>()
            .WithMessage("*no column 'price' (the label column of task 'price'*TableOptions.Labels*Columns found: sqft, loc*");

    [Fact]
    public void Non_numeric_cell_names_column_line_value_and_fix() =>
        FluentActions.Invoking(() => Csv("sqft,loc,price\n1,a,2\n3,b,4\n12a,a,5\n"))
            .Should().Throw<InvalidDataException>()
            .WithMessage("Column 'sqft' of table 'homes.csv', line 4: '12a' is not a number. Fix the value, or leave the cell empty (or NA)*");

    [Fact]
    public void Non_numeric_label_names_task_line_and_value() =>
        FluentActions.Invoking(() => Csv("sqft,loc,price\n1,a,cheap\n"))
            .Should().Throw<InvalidDataException>()
            .WithMessage("Task 'price' (Regression), column 'price' of table 'homes.csv', line 2: label 'cheap' is not a number*empty*");

    [Fact]
    public void Wrong_field_count_names_the_line() =>
        FluentActions.Invoking(() => Csv("sqft,loc,price\n1,a,2\n1,a\n"))
            .Should().Throw<InvalidDataException>().WithMessage("*'homes.csv', line 3: 2 fields but the header has 3*delimiter*");

    [Fact]
    public void Empty_csv_needs_a_header() =>
        FluentActions.Invoking(() => Csv(""))
            .Should().Throw<InvalidDataException>().WithMessage("*'homes.csv' is empty*header row*");

    [Fact]
    public void Header_only_has_no_rows() =>
        FluentActions.Invoking(() => Csv("sqft,loc,price\n"))
            .Should().Throw<ArgumentException>().WithMessage("*'homes.csv' has no rows*");

    [Fact]
    public void Task_without_any_label_is_named() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromCsv(new StringReader("sqft,loc,price,rent\n1,a,2,\n3,b,4,NA\n"), Schema,
                [.. Tasks, TaskSpec.Regression("rent", ["sqft"])], name: "homes.csv"))
            .Should().Throw<InvalidDataException>()
            .WithMessage("Task 'rent' has no labels in table 'homes.csv': every value of column 'rent' is missing*leave the task out of TableOptions.Labels*");

    [Fact]
    public void Routed_task_without_rows_names_the_routing_value() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromCsv(TestData.SacramentoPath, TestData.SacramentoSchema(), TestData.SacramentoTasks(),
                TestData.ByType with { TaskValues = new Dictionary<string, string> { ["Residential"] = "house", ["condo"] = "condo" } }))
            .Should().Throw<InvalidDataException>().WithMessage("Task 'condo' has no labels*no row has type = 'condo'*");

    [Fact]
    public void No_labelled_row_at_all_is_an_error() =>
        FluentActions.Invoking(() => Csv("sqft,loc,price\n1,a,\n"))
            .Should().Throw<InvalidDataException>().WithMessage("*'homes.csv' has 1 rows but none has a label*(price)*");

    [Fact]
    public void Infinite_feature_in_arrays_names_column_and_row() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x"), [TaskSpec.Regression("y", ["x"])],
                new double[,] { { 1 }, { double.PositiveInfinity } }, ["x"], new Dictionary<string, double[]> { ["y"] = [1, 2] }))
            .Should().Throw<InvalidDataException>()
            .WithMessage("Column 'x' of table 'arrays', row 1: value Infinity is infinite*Use NaN (or an empty cell) to mark a missing value.");

    [Fact]
    public void Infinite_label_in_arrays_is_an_error() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x"), [TaskSpec.Regression("y", ["x"])],
                new double[,] { { 1 }, { 2 } }, ["x"], new Dictionary<string, double[]> { ["y"] = [1, double.NegativeInfinity] }))
            .Should().Throw<InvalidDataException>().WithMessage("Task 'y'*row 1: label -Infinity is infinite*NaN*");

    [Fact]
    public void Label_array_of_the_wrong_length_is_rejected() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x"), [TaskSpec.Regression("y", ["x"])],
                new double[,] { { 1 }, { 2 } }, ["x"], new Dictionary<string, double[]> { ["y"] = [1] }))
            .Should().Throw<ArgumentException>().WithMessage("*Labels 'y' have 1 values but there are 2 feature rows*");

    [Fact]
    public void Out_of_range_class_index_names_task_row_and_value() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x"), [TaskSpec.Multiclass("kind", 3, ["x"])],
                new double[,] { { 1 }, { 2 } }, ["x"], new Dictionary<string, double[]> { ["kind"] = [2, 3] }))
            .Should().Throw<InvalidDataException>()
            .WithMessage("Task 'kind' (Multiclass), column 'kind' of table 'arrays', row 1: label 3 is out of range; expected a class index 0..2*");

    [Fact]
    public void Fractional_class_index_is_rejected() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x"), [TaskSpec.Multiclass("kind", 3, ["x"])],
                new double[,] { { 1 } }, ["x"], new Dictionary<string, double[]> { ["kind"] = [1.5] }))
            .Should().Throw<InvalidDataException>().WithMessage("*'kind'*row 0: label 1.5 is out of range*");

    [Fact]
    public void Unknown_class_name_lists_the_classes() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromCsv(new StringReader("x,kind\n1,flat\n2,castle\n"), new FeatureSchema().Numeric("x"),
                [TaskSpec.Multiclass("kind", ["house", "flat"], ["x"])], name: "k.csv"))
            .Should().Throw<InvalidDataException>()
            .WithMessage("Task 'kind' (Multiclass), column 'kind' of table 'k.csv', line 3: label 'castle' is not one of the classes (house, flat)*");

    [Fact]
    public void Bad_binary_label_says_what_is_accepted() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromCsv(new StringReader("x,sold\n1,maybe\n"), new FeatureSchema().Numeric("x"),
                [TaskSpec.Binary("sold", ["x"])], name: "s.csv"))
            .Should().Throw<InvalidDataException>().WithMessage("Task 'sold' (Binary)*line 2: label 'maybe' is not a binary label: use 0/1 or true/false*");

    [Fact]
    public void Binary_label_two_is_rejected() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromArrays(new FeatureSchema().Numeric("x"), [TaskSpec.Binary("sold", ["x"])],
                new double[,] { { 1 } }, ["x"], new Dictionary<string, double[]> { ["sold"] = [2] }))
            .Should().Throw<InvalidDataException>().WithMessage("*'sold'*row 0: label 2 is not a binary label*");

    [Fact]
    public void Partially_filled_multilabel_row_is_rejected() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromCsv(new StringReader("x,garden,pool\n1,1,\n"), new FeatureSchema().Numeric("x"),
                [TaskSpec.Multilabel("tags", ["x"], ["garden", "pool"])], name: "t.csv"))
            .Should().Throw<InvalidDataException>().WithMessage("Task 'tags', table 't.csv', line 2: 1 of its 2 target columns*fill all of them or leave all empty*");

    [Fact]
    public void Labels_naming_an_unknown_task_is_rejected() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromTable(TestData.HousingSchema(), TestData.HousingTasks(), TestData.Houses(),
                new TableOptions { Labels = ["houses"] }))
            .Should().Throw<ArgumentException>().WithMessage("TableOptions.Labels names task 'houses', which is not among the tasks (house, apartment)*");

    [Fact]
    public void Table_labelling_a_task_must_have_its_features() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromTable(TestData.HousingSchema(), TestData.HousingTasks(), TestData.Houses()))
            .Should().Throw<InvalidDataException>()
            .WithMessage("Table 'houses' has no column 'location' (needed by task 'apartment' as input feature 'location')*");

    [Fact]
    public void Task_column_without_values_map_is_rejected() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromCsv(TestData.SacramentoPath, TestData.SacramentoSchema(), TestData.SacramentoTasks(),
                new CsvOptions { TaskColumn = "type" }))
            .Should().Throw<ArgumentException>().WithMessage("*TaskColumn and TaskValues go together*");

    [Fact]
    public void Missing_csv_file_names_the_path() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromCsv("no/such/file.csv", Schema, Tasks))
            .Should().Throw<FileNotFoundException>().WithMessage("*'no/such/file.csv' does not exist*");

    [Fact]
    public void Empty_schema_is_rejected() =>
        FluentActions.Invoking(() => MultiTaskDataset.FromTable(new FeatureSchema(), Tasks, new Table().Add("price", [1.0])))
            .Should().Throw<ArgumentException>().WithMessage("*schema has no features*");
}
