using FluentAssertions;
using MultiTask.Data;
using MultiTask.Data.Streaming;
using MultiTask.Tasks;
using Xunit.Abstractions;

namespace MultiTask.Tests.Data.Streaming;

public sealed class EncoderFitterTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("multitask-fitter-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Csv(int rows, int seed)
    {
        string path = Path.Combine(_dir, $"data-{rows}-{seed}.csv");
        StreamingTestData.Write(path, rows, seed);
        return path;
    }

    [Fact]
    public void OnePass_OverChunks_EqualsFit_WhileTheSketchesAreExact()
    {
        string path = Csv(1200, 1);
        var schema = StreamingTestData.Schema();
        var tasks = StreamingTestData.Tasks();
        var exact = FeatureEncoder.Fit(MultiTaskDataset.FromCsv(path, schema, tasks));
        var streamed = StreamingDataset.FromCsv(path, schema, tasks, chunkRows: 97).FitEncoder();

        streamed.ColumnNames.Should().Equal(exact.ColumnNames, "same presence columns and bins");
        foreach (var f in new[] { "id", "size" })
        {
            var (a, b) = (streamed.FeatureStatistics(f), exact.FeatureStatistics(f));
            a.Mean.Should().BeApproximately(b.Mean, 1e-12 * Math.Abs(b.Mean));
            a.Std.Should().BeApproximately(b.Std, 1e-12 * b.Std);
        }
        // Fewer values than the sketch holds: median, IQR and bin edges are exactly Fit's.
        streamed.FeatureStatistics("age").Should().Be(exact.FeatureStatistics("age"));
        streamed.BinEdges("dist").Should().Equal(exact.BinEdges("dist"));
        var (ta, tb) = (streamed.TargetStatistics("price")!.Value, exact.TargetStatistics("price")!.Value);
        ta.Mean.Should().BeApproximately(tb.Mean, 1e-12 * Math.Abs(tb.Mean));
        ta.Std.Should().BeApproximately(tb.Std, 1e-12 * tb.Std);

        // The same encoder up to rounding: encoding the same rows gives the same matrix.
        var data = MultiTaskDataset.FromCsv(path, schema, tasks);
        var x1 = streamed.Transform(data).Features.ToArray();
        var x2 = exact.Transform(data).Features.ToArray();
        x1.Zip(x2).Max(p => Math.Abs(p.First - p.Second)).Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void WithCompactedSketches_QuantilesAreWithinTheSketchsRankError()
    {
        string path = Csv(20_000, 2);
        var schema = StreamingTestData.Schema();
        var tasks = StreamingTestData.Tasks();
        var data = MultiTaskDataset.FromCsv(path, schema, tasks);
        var exact = FeatureEncoder.Fit(data);
        var fitter = StreamingDataset.FromCsv(path, schema, tasks, chunkRows: 1000).Fit(sketchK: 128);
        var streamed = fitter.ToEncoder();
        double bound = fitter.Sketch("dist")!.RankErrorBound;
        bound.Should().BeGreaterThan(0, "k = 128 is far below 20,000 values, so the sketch compacted");

        var dist = data.NumericValues("dist").Where(v => !double.IsNaN(v)).Order().ToArray();
        var edges = streamed.BinEdges("dist");
        var exactEdges = exact.BinEdges("dist");
        edges.Should().HaveCount(exactEdges.Count);
        double worst = 0;
        for (int i = 0; i < edges.Count; i++)
        {
            double p = i / (double)(edges.Count - 1);
            double rank = dist.Count(v => v <= edges[i]) / (double)dist.Length;
            worst = Math.Max(worst, Math.Abs(rank - p) - 1.0 / dist.Length);
        }
        output.WriteLine($"bin edges: max rank error {worst:P3}, bound {bound:P3} (k = 128)");
        worst.Should().BeLessThanOrEqualTo(bound);

        var age = data.NumericValues("age").Where(v => !double.IsNaN(v)).Order().ToArray();
        double median = streamed.FeatureStatistics("age").Mean;
        Math.Abs(age.Count(v => v <= median) / (double)age.Length - 0.5).Should().BeLessThanOrEqualTo(fitter.Sketch("age")!.RankErrorBound + 1.0 / age.Length);
        streamed.FeatureStatistics("size").Mean.Should().BeApproximately(exact.FeatureStatistics("size").Mean, 1e-9);
    }

    [Fact]
    public void Counts_CategoriesUnknownsAndLabels()
    {
        string path = Csv(3000, 3);
        var schema = StreamingTestData.Schema();
        var tasks = StreamingTestData.Tasks();
        var data = MultiTaskDataset.FromCsv(path, schema, tasks);
        var fitter = StreamingDataset.FromCsv(path, schema, tasks, chunkRows: 256).Fit();

        fitter.RowCount.Should().Be(data.RowCount);
        fitter.LabelCount("price").Should().Be(data.LabelCount("price"));
        fitter.LabelCount("sold").Should().Be(data.LabelCount("sold"));
        var city = data.CategoricalValues("city");
        fitter.CategoryCounts("city").Should().Equal(StreamingTestData.Cities.Select(c => (long)city.Count(v => v == c)));
        fitter.UnknownCategories().Should().BeEquivalentTo(data.UnknownCategories());
    }

    [Fact]
    public void MergingFittersOfHalves_EqualsOneFitterOverAll()
    {
        string path = Csv(2000, 4);
        var source = StreamingDataset.FromCsv(path, StreamingTestData.Schema(), StreamingTestData.Tasks(), chunkRows: 300);
        var all = new EncoderFitter(source.Schema, source.Tasks);
        var (even, odd) = (new EncoderFitter(source.Schema, source.Tasks), new EncoderFitter(source.Schema, source.Tasks));
        int i = 0;
        foreach (var chunk in source.Chunks())
        {
            all.Add(chunk);
            (i++ % 2 == 0 ? even : odd).Add(chunk);
        }
        even.Merge(odd);
        var (a, b) = (even.ToEncoder(), all.ToEncoder());
        a.ColumnNames.Should().Equal(b.ColumnNames);
        a.FeatureStatistics("size").Mean.Should().BeApproximately(b.FeatureStatistics("size").Mean, 1e-12);
        a.FeatureStatistics("size").Std.Should().BeApproximately(b.FeatureStatistics("size").Std, 1e-12);
        a.BinEdges("dist").Should().Equal(b.BinEdges("dist"), "both sketches are still exact at 2,000 values");
    }

    [Fact]
    public void YeoJohnsonTargets_AreFittedOnTheLabels_WhenFewerThanTheSample()
    {
        string path = Csv(800, 5);
        var schema = StreamingTestData.Schema(quantileEncodings: false);
        TaskSpec[] tasks = [TaskSpec.Regression("price", ["id", "size"]) with { TargetTransform = TargetTransform.YeoJohnson }];
        var exact = FeatureEncoder.Fit(MultiTaskDataset.FromCsv(path, schema, tasks, new CsvOptions { Labels = ["price"] }));
        var streamed = new StreamingDataset(new CsvChunkSource(path, chunkRows: 64), schema, tasks).FitEncoder();
        streamed.GetTargetTransform("price")!.Lambda.Should().Be(exact.GetTargetTransform("price")!.Lambda);
    }

    [Fact]
    public void ANumericFeatureWithoutValues_AndASourceWithoutLabels_AreErrors()
    {
        string path = Path.Combine(_dir, "empty.csv");
        File.WriteAllText(path, "id,size,age,city,price,sold\n1,,3,north,,\n2,,4,south,,\n");
        var source = StreamingDataset.FromCsv(path, StreamingTestData.Schema(false), StreamingTestData.Tasks(false));
        source.Invoking(s => s.FitEncoder()).Should().Throw<InvalidDataException>().WithMessage("*no labelled rows*");

        File.WriteAllText(path, "id,size,age,city,price,sold\n1,,3,north,5,1\n2,,4,south,6,0\n");
        source = StreamingDataset.FromCsv(path, StreamingTestData.Schema(false), StreamingTestData.Tasks(false));
        source.Invoking(s => s.FitEncoder()).Should().Throw<InvalidOperationException>().WithMessage("*'size' has no values*");
    }
}
