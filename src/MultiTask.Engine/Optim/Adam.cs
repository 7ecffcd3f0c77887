using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Optim;

/// <summary>
/// Adam with optional L2 weight decay (added to the gradient) and AMSGrad (PyTorch's <c>torch.optim.Adam</c>).
/// </summary>
/// <remarks>
/// m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
/// Kingma &amp; Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015; AMSGrad: Reddi et al.,
/// "On the Convergence of Adam and Beyond", ICLR 2018.
/// </remarks>
public sealed class Adam : Optimizer
{
    private readonly AdamOptions _options;

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="betas">The moment decay rates; null for (0.9, 0.999).</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The L2 penalty.</param>
    /// <param name="amsgrad">Use AMSGrad.</param>
    /// <param name="maximize">Maximize the objective.</param>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(parameters, new AdamOptions
        {
            LearningRate = lr, Betas = betas ?? (0.9, 0.999), Eps = eps, WeightDecay = weightDecay,
            Amsgrad = amsgrad, Maximize = maximize,
        })
    {
    }

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="options">The hyper-parameters.</param>
    public Adam(IEnumerable<Tensor> parameters, AdamOptions options)
        : this([new ParamGroup(parameters ?? throw new ArgumentNullException(nameof(parameters)))], options)
    {
    }

    /// <summary>Creates the optimizer over several groups, each possibly overriding the defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="options">The default hyper-parameters.</param>
    public Adam(IEnumerable<ParamGroup> groups, AdamOptions options)
        : base(groups, options)
    {
        _options = options;
    }

    /// <inheritdoc />
    public override MomentumKind MomentumKind => MomentumKind.Beta1;

    /// <inheritdoc />
    protected override (double Beta1, double Beta2) DefaultBetas => ((AdamOptions)Defaults).Betas;

    /// <inheritdoc />
    protected override IReadOnlyCollection<string>? StateBufferNames => AdamRule.BufferNames;

    /// <inheritdoc />
    protected override void Build(Tensor parameter, ParamGroup group, ParameterState state) =>
        AdamRule.Build(parameter, ((AdamOptions)Defaults).Amsgrad, state);

    /// <inheritdoc />
    protected override void Update(Tensor parameter, Tensor gradient, ParamGroup group, ParameterState state) =>
        AdamRule.Step(parameter, gradient, group, state, _options.Eps, _options.Amsgrad, _options.Maximize,
            l2: (float)group.WeightDecay, decay: 1f);
}
