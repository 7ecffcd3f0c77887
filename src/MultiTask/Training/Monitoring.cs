using MultiTask.Metrics;

namespace MultiTask.Training;

/// <summary>The comparison shared by the callbacks that monitor a value.</summary>
internal static class Monitoring
{
    public static double Worst(MetricDirection direction) =>
        direction == MetricDirection.LowerIsBetter ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Whether <paramref name="value"/> beats <paramref name="best"/> by more than <paramref name="minDelta"/>; NaN never does.</summary>
    public static bool Improves(double value, double best, MetricDirection direction, double minDelta) =>
        !double.IsNaN(value) && (direction == MetricDirection.LowerIsBetter ? value < best - minDelta : value > best + minDelta);
}
