using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Optim;

/// <summary>
/// Adam with decoupled weight decay (PyTorch's <c>torch.optim.AdamW</c>): the parameter shrinks by
/// lr·λ before the Adam step instead of the penalty entering the gradient.
/// </summary>
/// <remarks>Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.</remarks>
public sealed class AdamW : Optimizer
{
    private readonly AdamWOptions _options;

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="betas">The moment decay rates; null for (0.9, 0.999).</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The decoupled weight decay.</param>
    /// <param name="amsgrad">Use AMSGrad.</param>
    /// <param name="maximize">Maximize the objective.</param>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : this(parameters, new AdamWOptions
        {
            LearningRate = lr, Betas = betas ?? (0.9, 0.999), Eps = eps, WeightDecay = weightDecay,
            Amsgrad = amsgrad, Maximize = maximize,
        })
    {
    }

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="options">The hyper-parameters.</param>
    public AdamW(IEnumerable<Tensor> parameters, AdamWOptions options)
        : this([new ParamGroup(parameters ?? throw new ArgumentNullException(nameof(parameters)))], options)
    {
    }

    /// <summary>Creates the optimizer over several groups, each possibly overriding the defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="options">The default hyper-parameters.</param>
    public AdamW(IEnumerable<ParamGroup> groups, AdamWOptions options)
        : base(groups, options)
    {
        _options = options;
    }

    /// <inheritdoc />
    public override MomentumKind MomentumKind => MomentumKind.Beta1;

    /// <inheritdoc />
    protected override (double Beta1, double Beta2) DefaultBetas => ((AdamWOptions)Defaults).Betas;

    /// <inheritdoc />
    protected override IReadOnlyCollection<string>? StateBufferNames => AdamRule.BufferNames;

    /// <inheritdoc />
    protected override void Build(Tensor parameter, ParamGroup group, ParameterState state) =>
        AdamRule.Build(parameter, ((AdamWOptions)Defaults).Amsgrad, state);

    /// <inheritdoc />
    protected override void Update(Tensor parameter, Tensor gradient, ParamGroup group, ParameterState state) =>
        AdamRule.Step(parameter, gradient, group, state, _options.Eps, _options.Amsgrad, _options.Maximize,
            l2: 0f, decay: (float)(1 - group.LearningRate * group.WeightDecay));
}
