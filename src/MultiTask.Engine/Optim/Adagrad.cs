using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Optim;

/// <summary>Adagrad: per-coordinate steps scaled by the accumulated squared gradients (PyTorch's <c>torch.optim.Adagrad</c>).</summary>
/// <remarks>
/// s ← s + g²; θ ← θ − lr/(1 + (t − 1)·decay) · g / (√s + ε).
/// Duchi, Hazan &amp; Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization", JMLR 2011.
/// </remarks>
public sealed class Adagrad : Optimizer
{
    private const string Sum = "sum";
    private readonly AdagradOptions _options;

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="lrDecay">The learning-rate decay.</param>
    /// <param name="weightDecay">The L2 penalty.</param>
    /// <param name="initialAccumulatorValue">The starting value of the sum of squared gradients.</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="maximize">Maximize the objective.</param>
    public Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : this(parameters, new AdagradOptions
        {
            LearningRate = lr, LearningRateDecay = lrDecay, WeightDecay = weightDecay,
            InitialAccumulatorValue = initialAccumulatorValue, Eps = eps, Maximize = maximize,
        })
    {
    }

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="options">The hyper-parameters.</param>
    public Adagrad(IEnumerable<Tensor> parameters, AdagradOptions options)
        : this([new ParamGroup(parameters ?? throw new ArgumentNullException(nameof(parameters)))], options)
    {
    }

    /// <summary>Creates the optimizer over several groups, each possibly overriding the defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="options">The default hyper-parameters.</param>
    public Adagrad(IEnumerable<ParamGroup> groups, AdagradOptions options)
        : base(groups, options)
    {
        _options = options;
    }

    /// <inheritdoc />
    protected override IReadOnlyCollection<string>? StateBufferNames => [Sum];

    /// <inheritdoc />
    protected override void Build(Tensor parameter, ParamGroup group, ParameterState state) =>
        state.SetBuffer(Sum, Tensor.FullLike(parameter, (float)((AdagradOptions)Defaults).InitialAccumulatorValue));

    /// <inheritdoc />
    protected override void Update(Tensor param, Tensor grad, ParamGroup group, ParameterState state)
    {
        var p = param.AsSpan();
        ReadOnlySpan<float> g = grad.AsSpan();
        var sum = state[Sum].AsSpan();
        bool maximize = _options.Maximize;
        float wd = (float)group.WeightDecay;
        float eps = (float)_options.Eps;
        double clr = group.LearningRate / (1 + (state.Step - 1) * _options.LearningRateDecay);
        float negClr = (float)-clr;

        for (int i = 0; i < p.Length; i++)
        {
            float gi = maximize ? -g[i] : g[i];
            if (wd != 0) gi += wd * p[i];
            float s = sum[i] + 1f * gi * gi;
            sum[i] = s;
            float std = MathF.Sqrt(s) + eps;
            p[i] += negClr * gi / std;
        }
    }
}
