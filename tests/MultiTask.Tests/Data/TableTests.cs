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
}
