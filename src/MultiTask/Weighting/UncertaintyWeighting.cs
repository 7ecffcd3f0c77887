using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

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
/// classification task (the softmax likelihood: 1/σ²·L + log σ). A task is classification when the context's
/// <see cref="WeightingContext.TaskKinds"/> says it is binary, multiclass or multilabel (the trainer fills them
/// from the tasks' specs), or when it is listed in the constructor's <c>classificationTasks</c>; regression and
/// custom tasks, and every task of a context that does not know the kinds, use the regression form. The reported weight is the
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
    private bool[]? _listed;

    /// <summary>Creates the strategy.</summary>
    /// <param name="classificationTasks">
    /// Tasks that use the classification form cᵢ = 1 whatever their kind — only needed for a context that does not
    /// know the task kinds, or to treat a custom task as classification. Binary, multiclass and multilabel tasks
    /// use it anyway when the context knows their kinds (<see cref="WeightingContext.TaskKinds"/>).
    /// </param>
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
        _listed = [.. context.TaskNames.Select(n => _classificationTasks.Contains(n, StringComparer.Ordinal))];
        _logVariances = new Parameter(Tensor.Zeros(context.TaskCount));
    }

    /// <inheritdoc />
    public override IEnumerable<Parameter> Parameters() => [LogVariances];

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var s = LogVariances;
        var scales = Scales(context);
        var weights = new double[taskLosses.Count];
        Tensor? objective = null;
        for (int i = 0; i < taskLosses.Count; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            var si = s.Narrow(0, i, 1).Reshape();
            var term = (-si).Exp() * (float)scales[i] * loss + si * 0.5f;
            objective = objective is null ? term : objective + term;
            weights[i] = scales[i] * Math.Exp(-s.AsSpan()[i]);
        }
        return new WeightingResult(weights, BackwardObjective(objective, context));
    }

    /// <summary>
    /// The coefficient cᵢ of each task for <paramref name="context"/>: 1 for a classification task (by its kind or
    /// the constructor's list), ½ otherwise.
    /// </summary>
    /// <param name="context">The training run's context.</param>
    /// <returns>One coefficient per task, in task order.</returns>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public IReadOnlyList<double> Scales(WeightingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var listed = _listed ?? throw NotInitialized();
        var kinds = context.TaskKinds;
        var scales = new double[listed.Length];
        for (int i = 0; i < scales.Length; i++)
        {
            bool classification = listed[i] || kinds?[i] is TaskKind.Binary or TaskKind.Multiclass or TaskKind.Multilabel;
            scales[i] = classification ? 1.0 : 0.5;
        }
        return scales;
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
