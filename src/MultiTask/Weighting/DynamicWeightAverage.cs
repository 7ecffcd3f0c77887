using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Dynamic Weight Average (DWA): a task whose loss fell more slowly over the last epoch gets more weight.
/// </summary>
/// <remarks>
/// <para>
/// Liu, Johns and Davison, "End-to-End Multi-Task Learning with Attention", CVPR 2019, eq. (7):
/// wᵢ(t) = K·exp(rᵢ(t−1)/T) / Σⱼ exp(rⱼ(t−1)/T), with rᵢ(t−1) = Lᵢ(t−1)/Lᵢ(t−2) the ratio of task i's
/// average training losses over the last two finished epochs (<see cref="WeightingContext.EpochLossHistory"/>),
/// K the number of tasks and T the temperature (larger T → more uniform weights). Objective: Σᵢ wᵢ·Lᵢ.
/// </para>
/// <para>
/// wᵢ = 1 until two epochs are recorded. When either of a task's last two epoch losses is missing
/// (no labels in that epoch) or the older one is 0, its ratio is taken as 1 (no change). The weights are
/// fixed for the whole epoch and normalised over all K tasks, so a task absent from a batch does not
/// change the other tasks' weights.
/// </para>
/// <para>Use it when losses fall at visibly different rates; it needs no gradients and costs nothing.</para>
/// </remarks>
public sealed class DynamicWeightAverage : LossWeighting
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="temperature">The softmax temperature T (&gt; 0); the paper uses 2.</param>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not positive and finite.</exception>
    public DynamicWeightAverage(double temperature = 2.0)
    {
        if (!double.IsFinite(temperature) || temperature <= 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The DWA temperature must be positive and finite (the paper uses 2).");
        Temperature = temperature;
    }

    /// <summary>The softmax temperature T.</summary>
    public double Temperature { get; }

    /// <summary>The weights DWA gives each task in the current epoch, from the context's epoch history.</summary>
    /// <param name="context">The training run's context.</param>
    /// <returns>One weight per task; they sum to the number of tasks.</returns>
    public double[] CurrentWeights(WeightingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int k = context.TaskCount;
        var weights = new double[k];
        if (context.RecordedEpochs < 2)
        {
            Array.Fill(weights, 1.0);
            return weights;
        }
        var ratios = new double[k];
        double max = double.NegativeInfinity;
        for (int i = 0; i < k; i++)
        {
            var history = context.EpochLossHistory[i];
            ratios[i] = history[^1] is double last && history[^2] is double previous && previous > 0 ? last / previous : 1.0;
            max = Math.Max(max, ratios[i] / Temperature);
        }
        double sum = 0;
        for (int i = 0; i < k; i++)
        {
            // Shifting by the largest exponent keeps exp finite; the softmax is unchanged.
            weights[i] = Math.Exp(ratios[i] / Temperature - max);
            sum += weights[i];
        }
        for (int i = 0; i < k; i++) weights[i] = k * weights[i] / sum;
        return weights;
    }

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var weights = CurrentWeights(context);
        double objective = BackwardObjective(WeightedSum(taskLosses, weights), context);
        return new WeightingResult(weights, objective);
    }
}
