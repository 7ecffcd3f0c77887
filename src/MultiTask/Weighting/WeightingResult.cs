namespace MultiTask.Weighting;

/// <summary>What one <see cref="LossWeighting.Backward"/> call did: the weight of each task and the objective value.</summary>
public sealed class WeightingResult
{
    private static readonly IReadOnlyDictionary<string, double> s_noDiagnostics = new Dictionary<string, double>();

    /// <summary>Creates a result.</summary>
    /// <param name="weights">The effective multiplier of each task's loss this step, in task order.</param>
    /// <param name="objective">The value of the objective that was differentiated, including any extra objective.</param>
    /// <param name="diagnostics">Strategy-specific numbers worth logging (e.g. GradNorm's gradient loss), or null.</param>
    public WeightingResult(IReadOnlyList<double> weights, double objective, IReadOnlyDictionary<string, double>? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Weights = weights;
        Objective = objective;
        Diagnostics = diagnostics ?? s_noDiagnostics;
    }

    /// <summary>
    /// The effective multiplier of each task's loss this step, in task order. A task without labels in
    /// the batch (a null loss) always reports 0: it contributed nothing.
    /// </summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>The value of the differentiated objective, including the context's extra objective.</summary>
    public double Objective { get; }

    /// <summary>Strategy-specific numbers worth logging, by name; empty for most strategies.</summary>
    public IReadOnlyDictionary<string, double> Diagnostics { get; }
}
