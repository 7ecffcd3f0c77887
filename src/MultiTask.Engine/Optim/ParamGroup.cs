using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Optim;

/// <summary>
/// A set of parameters that an <see cref="Optimizer"/> updates with the same hyper-parameters
/// (one entry of PyTorch's <c>optimizer.param_groups</c>).
/// </summary>
/// <remarks>
/// Hyper-parameters left null in the constructor take the optimizer's defaults when the group is
/// attached to it, so <c>new ParamGroup(head.Parameters(), learningRate: 1e-2)</c> plays the role of
/// PyTorch's <c>{"params": ..., "lr": 1e-2}</c>. Learning-rate schedulers and users change the
/// values through the properties between steps.
/// </remarks>
public sealed class ParamGroup
{
    private readonly Tensor[] _parameters;
    private double? _learningRate;
    private double? _weightDecay;
    private double? _momentum;
    private (double Beta1, double Beta2)? _betas;

    /// <summary>Creates a group, optionally overriding the optimizer's defaults for it.</summary>
    /// <param name="parameters">The tensors updated by this group; each may belong to only one group.</param>
    /// <param name="learningRate">This group's learning rate, or null for the optimizer's.</param>
    /// <param name="weightDecay">This group's weight decay, or null for the optimizer's.</param>
    /// <param name="momentum">This group's momentum (Sgd, RmsProp), or null for the optimizer's.</param>
    /// <param name="betas">This group's moment decay rates (Adam, AdamW), or null for the optimizer's.</param>
    public ParamGroup(IEnumerable<Tensor> parameters, double? learningRate = null, double? weightDecay = null,
        double? momentum = null, (double Beta1, double Beta2)? betas = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToArray();
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i] is null)
                throw new ArgumentException($"Parameter {i} of the group is null.", nameof(parameters));
        }
        if (learningRate is { } lr) LearningRate = lr;
        if (weightDecay is { } wd) WeightDecay = wd;
        if (momentum is { } m) Momentum = m;
        if (betas is { } b) Betas = b;
    }

    /// <summary>The tensors this group updates, in order.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The learning rate (PyTorch's <c>lr</c>); must be finite and non-negative.</summary>
    public double LearningRate
    {
        get => _learningRate ?? throw NotAttached(nameof(LearningRate));
        set => _learningRate = NonNegative(value, nameof(LearningRate));
    }

    /// <summary>The weight decay (L2 penalty, or decoupled decay for AdamW); must be finite and non-negative.</summary>
    public double WeightDecay
    {
        get => _weightDecay ?? throw NotAttached(nameof(WeightDecay));
        set => _weightDecay = NonNegative(value, nameof(WeightDecay));
    }

    /// <summary>The momentum factor used by Sgd and RmsProp (ignored by other optimizers); must be finite and non-negative.</summary>
    public double Momentum
    {
        get => _momentum ?? 0;
        set => _momentum = NonNegative(value, nameof(Momentum));
    }

    /// <summary>The decay rates of the first and second moment estimates used by Adam and AdamW; each in [0, 1).</summary>
    public (double Beta1, double Beta2) Betas
    {
        get => _betas ?? (0.9, 0.999);
        set
        {
            CheckBeta(value.Beta1, 0);
            CheckBeta(value.Beta2, 1);
            _betas = value;
        }
    }

    /// <summary>
    /// The learning rate a scheduler started from (PyTorch's <c>initial_lr</c>); set by the first
    /// scheduler attached to the optimizer, null before.
    /// </summary>
    public double? InitialLearningRate { get; set; }

    internal void ApplyDefaults(OptimizerOptions defaults, double momentum, (double, double) betas)
    {
        _learningRate ??= defaults.LearningRate;
        _weightDecay ??= defaults.WeightDecay;
        _momentum ??= momentum;
        _betas ??= betas;
    }

    internal static void CheckBeta(double beta, int index)
    {
        if (!(beta >= 0 && beta < 1))
            throw new ArgumentOutOfRangeException(nameof(Betas), beta, $"Invalid beta parameter at index {index}: {beta}; betas must lie in [0, 1).");
    }

    internal static double NonNegative(double value, string name)
    {
        if (!(value >= 0 && value < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(name, value, $"Invalid {name}: {value}; it must be finite and non-negative.");
        return value;
    }

    private static InvalidOperationException NotAttached(string name) =>
        new($"{name} is not set: pass it to the ParamGroup constructor or attach the group to an optimizer, which fills in its defaults.");
}
