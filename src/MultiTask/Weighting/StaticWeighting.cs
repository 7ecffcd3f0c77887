using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>Fixed, hand-chosen task weights: the objective is Σᵢ wᵢ·Lᵢ.</summary>
/// <remarks>
/// <para>Objective: L = Σᵢ wᵢ·Lᵢ with constant wᵢ. A task not named in the weights gets wᵢ = 1.</para>
/// <para>
/// The classic linear scalarisation of a multi-objective problem (e.g. Sener and Koltun,
/// "Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018, §2). Use it when one task is the
/// one that matters and the others are auxiliary, or after a grid search over weights.
/// </para>
/// </remarks>
public sealed class StaticWeighting : LossWeighting
{
    private readonly Dictionary<string, double> _weights;
    private double[]? _resolved;

    /// <summary>Creates the strategy.</summary>
    /// <param name="weights">Task name → weight (finite, ≥ 0). Tasks left out get weight 1; a name that is not a task is an error at initialisation.</param>
    /// <exception cref="ArgumentException">A weight is negative or not finite.</exception>
    public StaticWeighting(IReadOnlyDictionary<string, double> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        foreach (var (name, w) in weights)
        {
            if (!double.IsFinite(w) || w < 0)
                throw new ArgumentException($"The weight of task '{name}' is {w}; static weights must be finite and non-negative.", nameof(weights));
        }
        _weights = new Dictionary<string, double>(weights, StringComparer.Ordinal);
    }

    /// <summary>The configured weights, by task name (tasks left out have weight 1).</summary>
    public IReadOnlyDictionary<string, double> Weights => _weights;

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context)
    {
        var unknown = _weights.Keys.Where(k => !context.TaskNames.Contains(k, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException(
                $"StaticWeighting has weights for unknown task(s) {string.Join(", ", unknown.Select(k => $"'{k}'"))}. Known tasks: {context.KnownTasks()}.",
                nameof(context));
        _resolved = [.. context.TaskNames.Select(n => _weights.TryGetValue(n, out var w) ? w : 1.0)];
    }

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var weights = (double[])_resolved!.Clone();
        double objective = BackwardObjective(WeightedSum(taskLosses, weights), context);
        return new WeightingResult(weights, objective);
    }
}
