namespace MultiTask.Data;

/// <summary>
/// Temperature sampling: p_t ∝ n_t^(1/T). T = 1 is proportional sampling, T → ∞ tends to uniform,
/// and values in between up-sample small tasks.
/// </summary>
/// <remarks>Arivazhagan et al., "Massively Multilingual Neural Machine Translation in the Wild", 2019.</remarks>
public sealed class TemperatureTaskSampler : TaskSampler
{
    /// <summary>Creates a temperature sampler.</summary>
    /// <param name="temperature">T &gt; 0; <see cref="double.PositiveInfinity"/> gives uniform sampling.</param>
    public TemperatureTaskSampler(double temperature)
    {
        if (double.IsNaN(temperature) || temperature <= 0)
            throw new ArgumentOutOfRangeException(nameof(temperature),
                $"Temperature must be > 0 (1 = proportional, larger = closer to uniform), got {temperature}.");
        SamplingTemperature = temperature;
    }

    /// <summary>The temperature T.</summary>
    public double SamplingTemperature { get; }

    /// <inheritdoc/>
    protected override double[] ComputeWeights() =>
        LabelCounts.Select(n => n == 0 ? 0.0 : Math.Pow(n, 1.0 / SamplingTemperature)).ToArray();
}
