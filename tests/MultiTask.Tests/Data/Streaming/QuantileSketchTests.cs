using FluentAssertions;
using MultiTask.Data.Streaming;
using Xunit.Abstractions;

namespace MultiTask.Tests.Data.Streaming;

public sealed class QuantileSketchTests(ITestOutputHelper output)
{
    private static readonly double[] Probabilities = [.. Enumerable.Range(0, 1001).Select(i => i / 1000.0)];

    /// <summary>How far the rank of <paramref name="value"/> among <paramref name="sorted"/> is from <paramref name="p"/>, as a fraction of the count (0 when p lies within the value's tied ranks).</summary>
    private static double RankError(double[] sorted, double value, double p)
    {
        int below = LowerBound(sorted, value), atOrBelow = UpperBound(sorted, value);
        double n = sorted.Length, target = p * (n - 1);
        // The value may sit anywhere among its ties, ranks [below, atOrBelow - 1]; an interpolated value lies between two ranks.
        double lo = Math.Max(0, below - 1), hi = atOrBelow;
        return Math.Max(0, Math.Max(lo - target, target - hi)) / n;
    }

    private static int LowerBound(double[] a, double x)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (a[mid] < x) lo = mid + 1; else hi = mid; }
        return lo;
    }

    private static int UpperBound(double[] a, double x)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (a[mid] <= x) lo = mid + 1; else hi = mid; }
        return lo;
    }

    public static TheoryData<string> Streams => new() { "uniform", "lognormal", "sorted", "reversed", "ties", "bimodal" };

    private static double[] Stream(string kind, int n, int seed)
    {
        var random = new Random(seed);
        return kind switch
        {
            "uniform" => [.. Enumerable.Range(0, n).Select(_ => random.NextDouble())],
            "lognormal" => [.. Enumerable.Range(0, n).Select(_ => Math.Exp(3 * Normal(random)))],
            "sorted" => [.. Enumerable.Range(0, n).Select(i => (double)i)],
            "reversed" => [.. Enumerable.Range(0, n).Select(i => (double)(n - i))],
            "ties" => [.. Enumerable.Range(0, n).Select(_ => (double)random.Next(20))],
            _ => [.. Enumerable.Range(0, n).Select(_ => random.Next(2) == 0 ? Normal(random) : 100 + Normal(random))],
        };
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Theory]
    [MemberData(nameof(Streams))]
    public void RankError_StaysWithinTheStatedBound(string kind)
    {
        var values = Stream(kind, 300_000, 7);
        var sketch = new QuantileSketch();
        foreach (double v in values) sketch.Add(v);
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var q = sketch.Quantiles(Probabilities);
        double worst = Probabilities.Select((p, i) => RankError(sorted, q[i], p)).Max();
        output.WriteLine($"{kind}: k = {sketch.K}, n = {values.Length}, retained {sketch.RetainedItems} items, max rank error {worst:P4}, bound {sketch.RankErrorBound:P4}");
        sketch.RankErrorBound.Should().BeGreaterThan(0).And.BeLessThan(0.002);
        worst.Should().BeLessThanOrEqualTo(sketch.RankErrorBound);
        sketch.RetainedItems.Should().BeLessThan(4 * sketch.K, "memory is bounded by k, not by the count");
        q[0].Should().Be(sorted[0]);
        q[^1].Should().Be(sorted[^1]);
    }

    [Fact]
    public void MergedSketches_StayWithinTheBound_LikeOneSketchOverAllValues()
    {
        var values = Stream("lognormal", 200_000, 3);
        var parts = Enumerable.Range(0, 8).Select(_ => new QuantileSketch(256)).ToArray();
        for (int i = 0; i < values.Length; i++) parts[i % parts.Length].Add(values[i]);
        var merged = new QuantileSketch(256);
        foreach (var part in parts) merged.Merge(part);
        merged.Count.Should().Be(values.Length);
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var q = merged.Quantiles(Probabilities);
        double worst = Probabilities.Select((p, i) => RankError(sorted, q[i], p)).Max();
        output.WriteLine($"merged k = 256: max rank error {worst:P4}, bound {merged.RankErrorBound:P4}");
        worst.Should().BeLessThanOrEqualTo(merged.RankErrorBound);
    }

    [Fact]
    public void SmallStreams_AreExact_AsNumPysLinearPercentile()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 1500).Select(_ => Math.Round(random.NextDouble() * 100, 1)).ToArray();
        var sketch = new QuantileSketch();
        foreach (double v in values) sketch.Add(v);
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        sketch.RankErrorBound.Should().Be(0);
        foreach (double p in Probabilities)
            sketch.Quantile(p).Should().Be(MultiTask.Data.FittedNumeric.Percentile(sorted, p));
    }

    [Fact]
    public void NaN_IsIgnored_AndAnEmptySketchRefusesQuantiles()
    {
        var sketch = new QuantileSketch(16);
        sketch.Add(double.NaN);
        sketch.Count.Should().Be(0);
        sketch.Invoking(s => s.Quantile(0.5)).Should().Throw<InvalidOperationException>();
        sketch.Add(3);
        sketch.Quantile(0.5).Should().Be(3);
    }
}
