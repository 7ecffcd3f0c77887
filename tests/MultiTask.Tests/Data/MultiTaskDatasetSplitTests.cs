using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Data;

public class MultiTaskDatasetSplitTests
{
    [Fact]
    public void Split_is_stratified_by_task_with_exact_counts()
    {
        var (train, validation, test) = TestData.Sacramento().Split(42, validation: 0.15, test: 0.15);
        // house: 866 -> round(129.9) = 130 validation, 130 test, 606 train; condo: 53 -> round(7.95) = 8, 8, 37.
        train.LabelCount("house").Should().Be(606);
        validation.LabelCount("house").Should().Be(130);
        test.LabelCount("house").Should().Be(130);
        train.LabelCount("condo").Should().Be(37);
        validation.LabelCount("condo").Should().Be(8);
        test.LabelCount("condo").Should().Be(8);
        (train.RowCount + validation.RowCount + test.RowCount).Should().Be(919);
    }

    [Fact]
    public void Split_parts_are_disjoint_and_cover_every_row()
    {
        var data = TestData.Sacramento();
        var (train, validation, test) = data.Split(new Generator(3), 0.2, 0.1);
        // (sqft, price, lat) identifies a row well enough in this file to check the partition.
        static IEnumerable<(double, double)> Keys(MultiTaskDataset d) =>
            Enumerable.Range(0, d.RowCount).Select(r => (d.NumericValues("latitude")[r], d.NumericValues("sqft")[r]));
        var all = Keys(train).Concat(Keys(validation)).Concat(Keys(test)).OrderBy(k => k).ToList();
        all.Should().Equal(Keys(data).OrderBy(k => k));
    }

    [Fact]
    public void Split_is_reproducible_from_the_seed()
    {
        var data = TestData.Sacramento();
        var a = data.Split(7, 0.2).Validation;
        var b = data.Split(7, 0.2).Validation;
        var c = data.Split(8, 0.2).Validation;
        a.NumericValues("sqft").Should().Equal(b.NumericValues("sqft"));
        a.NumericValues("sqft").Should().NotEqual(c.NumericValues("sqft"));
    }

    [Fact]
    public void Zero_test_fraction_gives_an_empty_test_part()
    {
        var (train, validation, test) = TestData.Sacramento().Split(1, 0.2);
        test.RowCount.Should().Be(0);
        (train.RowCount + validation.RowCount).Should().Be(919);
    }

    [Fact]
    public void A_tiny_group_keeps_a_training_row()
    {
        var (train, _, _) = TestData.Housing().Split(1, 0.4, 0.4);
        train.LabelCount("house").Should().BeGreaterThan(0);
        train.LabelCount("apartment").Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData(-0.1, 0.1)]
    [InlineData(0.5, 0.5)]
    [InlineData(double.NaN, 0)]
    public void Bad_fractions_are_rejected(double validation, double test) =>
        FluentActions.Invoking(() => TestData.Housing().Split(1, validation, test))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*validation + test < 1*");

    [Fact]
    public void KFold_is_stratified_and_each_row_validates_once()
    {
        var data = TestData.Sacramento();
        var folds = data.KFold(5, seed: 11);
        folds.Should().HaveCount(5);
        folds.Sum(f => f.Validation.RowCount).Should().Be(919);
        foreach (var (train, validation) in folds)
        {
            (train.RowCount + validation.RowCount).Should().Be(919);
            validation.LabelCount("condo").Should().BeInRange(10, 11, "53 condos over 5 folds");
            validation.LabelCount("house").Should().BeInRange(173, 174, "866 houses over 5 folds");
        }
        folds.Select(f => f.Validation.RowCount).Max().Should().BeLessThanOrEqualTo(folds.Select(f => f.Validation.RowCount).Min() + 1);
    }

    [Fact]
    public void KFold_rejects_bad_k() =>
        FluentActions.Invoking(() => TestData.Housing().KFold(8, 1))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*2 <= k <= 7*k = 8*");
}
