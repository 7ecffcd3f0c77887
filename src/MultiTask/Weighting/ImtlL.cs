using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// IMTL-L, the loss-balancing half of Impartial Multi-Task Learning: each task learns a scale that brings its
/// scaled loss to 1.
/// </summary>
/// <remarks>
/// <para>
/// Liu, Li, Kuang, Xue, Chen, Yang, Liao and Zhang, "Towards Impartial Multi-task Learning", ICLR 2021, §3.2
/// (IMTL-L). Each task learns sᵢ (initialised to 0, trained by the model's optimizer through
/// <see cref="LossWeighting.Parameters"/>); the objective is
/// </para>
/// <para>L = Σᵢ ( exp(sᵢ)·Lᵢ − sᵢ ).</para>
/// <para>
/// The reported weight is exp(sᵢ). The gradients are ∂L/∂sᵢ = exp(sᵢ)·Lᵢ − 1 and ∂L/∂θ = Σᵢ exp(sᵢ)·∂Lᵢ/∂θ, so at
/// the optimum exp(sᵢ)·Lᵢ = 1: every scaled loss is 1, whatever its units. Unlike uncertainty weighting the
/// scale is not a likelihood's variance, so the same form suits every kind of task. A task without labels in a
/// batch adds no term, and its sᵢ gets no gradient. The paper pairs it with a gradient-space half (IMTL-G) that
/// is not part of this strategy.
/// </para>
/// <para>
/// Use it when losses have different units and you want each one brought to the same scale; like uncertainty
/// weighting its weight follows the training loss (exp(sᵢ) → 1/Lᵢ), so a task fitted well is turned up.
/// </para>
/// </remarks>
public sealed class ImtlL : LossWeighting
{
    private Parameter? _scales;

    /// <summary>The learned log-scales sᵢ, one per task (available after initialisation).</summary>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public Parameter LogScales => _scales ?? throw new InvalidOperationException(
        "ImtlL is not initialised; call Initialize(context) before using its parameters or state.");

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context) => _scales = new Parameter(Tensor.Zeros(context.TaskCount));

    /// <inheritdoc />
    public override IEnumerable<Parameter> Parameters() => [LogScales];

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var s = LogScales;
        var weights = new double[taskLosses.Count];
        Tensor? objective = null;
        for (int i = 0; i < taskLosses.Count; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            var si = s.Narrow(0, i, 1).Reshape();
            var term = si.Exp() * loss - si;
            objective = objective is null ? term : objective + term;
            weights[i] = Math.Exp(s.AsSpan()[i]);
        }
        return new WeightingResult(weights, BackwardObjective(objective, context));
    }

    /// <summary>Snapshots the log-scales (<c>log_scales</c>).</summary>
    /// <returns>The snapshot.</returns>
    public override WeightingStateDict StateDict()
    {
        var sd = new WeightingStateDict();
        sd.Tensors["log_scales"] = LogScales.Detach().Clone();
        return sd;
    }

    /// <inheritdoc />
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        LearnedState.Load(stateDict, "log_scales", LogScales, nameof(ImtlL));
    }
}
