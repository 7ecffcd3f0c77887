using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

/// <summary>Properties every metric must have: chunked updates equal one update, and masked rows are inert.</summary>
internal static class MetricChecks
{
    public static void StreamingEqualsSingleUpdate(Metric metric, float[] predictions, float[] targets, params int[] chunkRows)
    {
        metric.Reset();
        metric.Update(predictions, targets);
        double single = metric.Result();
        single.Should().NotBe(double.NaN);

        metric.Reset();
        int rows = targets.Length / metric.TargetWidth;
        int start = 0;
        foreach (int chunk in chunkRows.Append(rows - chunkRows.Sum()))
        {
            metric.Update(
                predictions.AsSpan(start * metric.PredictionWidth, chunk * metric.PredictionWidth),
                targets.AsSpan(start * metric.TargetWidth, chunk * metric.TargetWidth));
            start += chunk;
        }
        start.Should().Be(rows);
        metric.Count.Should().Be(rows);
        metric.Result().Should().Be(single);
    }

    /// <summary>
    /// Masks <paramref name="maskedRow"/>, overwrites its values with <paramref name="replacementPrediction"/>
    /// and <paramref name="replacementTarget"/>, and checks the result equals the one without that row.
    /// </summary>
    public static void MaskedRowChangesNothing(Metric metric, float[] predictions, float[] targets, int maskedRow,
        float[] replacementPrediction, float[] replacementTarget)
    {
        int pw = metric.PredictionWidth, tw = metric.TargetWidth;
        int rows = targets.Length / tw;
        var mask = Enumerable.Repeat(1f, rows).ToArray();
        mask[maskedRow] = 0f;

        metric.Reset();
        metric.Update(predictions, targets, mask);
        double masked = metric.Result();
        metric.Count.Should().Be(rows - 1);

        float[] p2 = (float[])predictions.Clone(), t2 = (float[])targets.Clone();
        replacementPrediction.CopyTo(p2, maskedRow * pw);
        replacementTarget.CopyTo(t2, maskedRow * tw);
        metric.Reset();
        metric.Update(p2, t2, mask);
        metric.Result().Should().Be(masked);

        var pKept = predictions.Where((_, i) => i / pw != maskedRow).ToArray();
        var tKept = targets.Where((_, i) => i / tw != maskedRow).ToArray();
        metric.Reset();
        metric.Update(pKept, tKept);
        metric.Result().Should().Be(masked);
    }

    /// <summary>Pseudo-random floats from a fixed linear congruential sequence, so tests need no RNG.</summary>
    public static float[] Uniform(int count, int seed, float low = 0f, float high = 1f)
    {
        var values = new float[count];
        uint state = (uint)seed * 2654435761u + 1u;
        for (int i = 0; i < count; i++)
        {
            state = state * 1664525u + 1013904223u;
            values[i] = low + (high - low) * ((state >> 8) / 16777216f);
        }
        return values;
    }
}
