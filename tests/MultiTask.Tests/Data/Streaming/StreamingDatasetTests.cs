using FluentAssertions;
using MultiTask.Data;
using MultiTask.Data.Streaming;

namespace MultiTask.Tests.Data.Streaming;

public sealed class StreamingDatasetTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(100_000)]
    public void Chunks_TogetherAreTheInMemoryDataset_WithRoutingAndDroppedRows(int chunkRows)
    {
        // Sacramento routes rows to tasks by a column and drops rows labelled for neither.
        var whole = TestData.Sacramento();
        var streamed = StreamingDataset.FromCsv(TestData.SacramentoPath, TestData.SacramentoSchema(), TestData.SacramentoTasks(), TestData.ByType, chunkRows);
        var joined = MultiTaskDataset.Concat([.. streamed.Chunks()]);

        streamed.RowCount.Should().Be(whole.RowCount);
        joined.RowCount.Should().Be(whole.RowCount);
        foreach (var f in new[] { "beds", "baths", "sqft", "latitude", "longitude" })
            joined.NumericValues(f).Should().Equal(whole.NumericValues(f));
        joined.CategoricalValues("city").Should().Equal(whole.CategoricalValues("city"));
        foreach (var t in new[] { "house", "condo" })
        {
            joined.TargetValues(t).Should().Equal(whole.TargetValues(t));
            joined.Mask(t).Should().Equal(whole.Mask(t));
        }
    }

    [Fact]
    public void TheEncoder_EqualsFit_OnRoutedData()
    {
        var whole = TestData.Sacramento();
        var exact = FeatureEncoder.Fit(whole);
        var streamed = StreamingDataset.FromCsv(TestData.SacramentoPath, TestData.SacramentoSchema(), TestData.SacramentoTasks(), TestData.ByType, 64).FitEncoder();
        streamed.ColumnNames.Should().Equal(exact.ColumnNames);
        var a = streamed.Transform(whole);
        var b = exact.Transform(whole);
        a.Features.ToArray().Zip(b.Features.ToArray()).Max(p => Math.Abs(p.First - p.Second)).Should().BeLessThan(1e-5f);
        a.Targets("house").ToArray().Zip(b.Targets("house").ToArray()).Max(p => Math.Abs(p.First - p.Second)).Should().BeLessThan(1e-5f);
    }
}
