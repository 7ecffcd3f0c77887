using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Homoscedastic uncertainty weighting: each task learns its own noise level, and noisier tasks get
/// less weight.
/// </summary>
/// <remarks>
/// <para>
/// Kendall, Gal and Cipolla, "Multi-Task Learning Using Uncertainty to Weigh Losses for Scene Geometry
/// and Semantics", CVPR 2018, eqs. (7) and (10). Each task learns sᵢ = log σᵢ² (initialised to 0,
/// trained by the model's optimizer through <see cref="LossWeighting.Parameters"/>). The objective is
/// </para>
/// <para>L = Σᵢ ( cᵢ·exp(−sᵢ)·Lᵢ + ½·sᵢ ),</para>
/// <para>
/// with cᵢ = ½ for a regression task (the Gaussian likelihood: 1/(2σ²)·L + log σ) and cᵢ = 1 for a
/// task listed as classification (the softmax likelihood: 1/σ²·L + log σ). The reported weight is the
/// effective multiplier of Lᵢ, cᵢ·exp(−sᵢ); with sᵢ = 0 it is ½ for regression. The gradients are
/// ∂L/∂sᵢ = −cᵢ·exp(−sᵢ)·Lᵢ + ½ and ∂L/∂θ = Σᵢ cᵢ·exp(−sᵢ)·∂Lᵢ/∂θ; at the optimum exp(sᵢ) = 2cᵢ·Lᵢ.
/// (LibMTL uses exp(−sᵢ)·Lᵢ + sᵢ, which is twice the regression form and has the same minimiser.)
/// </para>
/// <para>
/// A task without labels in a batch adds neither term, so its sᵢ gets no gradient from that batch.
/// Use it when the losses have very different scales or units (e.g. prices and probabilities).
/// </para>
/// <para>
/// <b>When not to use it.</b> The weight follows the task's own <i>training</i> loss: at the optimum
/// cᵢ·exp(−sᵢ) = ½/Lᵢ. A task whose loss stays high (noisy, or small and poorly fitted) is turned down, starving
/// the task multi-task learning was meant to help; a small task the network memorises has its weight driven up
/// and overfits further. The trainer standardises regression targets, so the losses already share a scale, and
/// on small tabular data <see cref="EqualWeighting"/> is the safer default (measurements in docs/weighting.md).
/// </para>
/// </remarks>
public sealed class UncertaintyWeighting : LossWeighting
{
    private readonly string[] _classificationTasks;
    private Parameter? _logVariances;
    private double[]? _scales;

    /// <summary>Creates the strategy.</summary>
    /// <param name="classificationTasks">The tasks that use the classification form cᵢ = 1; all others use the regression form cᵢ = ½.</param>
    public UncertaintyWeighting(IEnumerable<string>? classificationTasks = null)
    {
        _classificationTasks = classificationTasks is null ? [] : [.. classificationTasks];
    }

    /// <summary>The learned log-variances sᵢ = log σᵢ², one per task (available after initialisation).</summary>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public Parameter LogVariances => _logVariances ?? throw NotInitialized();

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context)
    {
        var unknown = _classificationTasks.Where(n => !context.TaskNames.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException(
                $"UncertaintyWeighting lists unknown classification task(s) {string.Join(", ", unknown.Select(k => $"'{k}'"))}. Known tasks: {context.KnownTasks()}.",
                nameof(context));
        _scales = [.. context.TaskNames.Select(n => _classificationTasks.Contains(n, StringComparer.Ordinal) ? 1.0 : 0.5)];
        _logVariances = new Parameter(Tensor.Zeros(context.TaskCount));
    }

    /// <inheritdoc />
    public override IEnumerable<Parameter> Parameters() => [LogVariances];

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var s = LogVariances;
        var weights = new double[taskLosses.Count];
        Tensor? objective = null;
        for (int i = 0; i < taskLosses.Count; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            var si = s.Narrow(0, i, 1).Reshape();
            var term = (-si).Exp() * (float)_scales![i] * loss + si * 0.5f;
            objective = objective is null ? term : objective + term;
            weights[i] = _scales[i] * Math.Exp(-s.AsSpan()[i]);
        }
        return new WeightingResult(weights, BackwardObjective(objective, context));
    }

    /// <inheritdoc />
    public override WeightingStateDict StateDict()
    {
        var sd = new WeightingStateDict();
        sd.Tensors["log_variances"] = LogVariances.Detach().Clone();
        return sd;
    }

    /// <inheritdoc />
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        LearnedState.Load(stateDict, "log_variances", LogVariances, nameof(UncertaintyWeighting));
    }

    private static InvalidOperationException NotInitialized() =>
        new("UncertaintyWeighting is not initialised; call Initialize(context) before using its parameters or state.");
}
