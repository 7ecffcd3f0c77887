using FluentAssertions;
using MultiTask.Data;

namespace MultiTask.Tests.Data;

public class TableTests
{
    private const string Csv = "name,price,rooms\n a ,100.5,3\nb,NA,\n,2e3,x\n";

    [Fact]
    public void Columns_read_back_by_name_and_type()
    {
        var table = Table.FromCsv(new StringReader(Csv), "homes.csv");
        table.ColumnNames.Should().Equal("name", "price", "rooms");
        table.RowCount.Should().Be(3);
        table.NumericColumn("price").Should().Equal(100.5, double.NaN, 2000);
        table.TextColumn("name").Should().Equal("a", "b", null);
        table.TextColumn("price", missingValues: ["-"]).Should().Equal("100.5", "NA", "2e3");

        var memory = new Table("mem").Add("x", [1.5, double.NaN]).Add("k", [3, 4]);
        memory.NumericColumn("x").Should().Equal(1.5, double.NaN);
        memory.NumericColumn("k").Should().Equal(3, 4);
        memory.TextColumn("x").Should().Equal("1.5", null);
        var copy = memory.NumericColumn("x");
        copy[0] = 99;
        memory.NumericColumn("x")[0].Should().Be(1.5, "the getter returns a copy");
    }

    [Fact]
    public void Unknown_columns_and_non_numbers_are_named()
    {
        var table = Table.FromCsv(new StringReader(Csv), "homes.csv");
        FluentActions.Invoking(() => table.NumericColumn("Price")).Should().Throw<KeyNotFoundException>()
            .WithMessage("Table 'homes.csv' has no column 'Price' (columns: name, price, rooms)*");
        FluentActions.Invoking(() => table.TextColumn("size")).Should().Throw<KeyNotFoundException>().WithMessage("*no column 'size'*");
        FluentActions.Invoking(() => table.NumericColumn("rooms")).Should().Throw<InvalidDataException>()
            .WithMessage("Column 'rooms' of table 'homes.csv', line 4: 'x' is not a number*TextColumn*");
    }

    [Fact]
    public void A_huge_cell_or_name_is_shortened_in_error_messages()
    {
        // Before, a 50 MB cell was copied whole into the message (hundreds of MiB allocated).
        string huge = new('z', 2_000_000);
        var table = Table.FromCsv(new StringReader($"x,y\n1,2\n{huge},3\n"), "big.csv");
        var error = FluentActions.Invoking(() => table.NumericColumn("x")).Should().Throw<InvalidDataException>().Which;
        error.Message.Length.Should().BeLessThan(400);
        error.Message.Should().Contain("'zzzz").And.Contain("(2,000,000 characters)").And.Contain("line 3");

        var dataset = FluentActions.Invoking(() => MultiTaskDataset.FromCsv(new StringReader($"x,y\n1,2\n{huge},3\n"),
            new FeatureSchema().Numeric("x"), [MultiTask.Tasks.TaskSpec.Regression("y", ["x"])])).Should().Throw<InvalidDataException>().Which;
        dataset.Message.Length.Should().BeLessThan(400);

        var label = FluentActions.Invoking(() => MultiTaskDataset.FromCsv(new StringReader($"x,y\n1,{huge}\n"),
            new FeatureSchema().Numeric("x"), [MultiTask.Tasks.TaskSpec.Regression("y", ["x"])])).Should().Throw<InvalidDataException>().Which;
        label.Message.Length.Should().BeLessThan(400);

        var header = FluentActions.Invoking(() => Table.FromCsv(new StringReader($"{huge},{huge}\n1,2\n"))).Should().Throw<InvalidDataException>().Which;
        header.Message.Length.Should().BeLessThan(400);
    }
}
