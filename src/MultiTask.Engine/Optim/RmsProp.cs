using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Optim;

/// <summary>RMSprop, optionally centered and with momentum (PyTorch's <c>torch.optim.RMSprop</c>).</summary>
/// <remarks>
/// s ← αs + (1 − α)g²; with centering ḡ ← αḡ + (1 − α)g and d = √(s − ḡ²) + ε, else d = √s + ε;
/// with momentum b ← μb + g/d and θ ← θ − lr·b, else θ ← θ − lr·g/d.
/// Hinton, "Neural Networks for Machine Learning", lecture 6e; centered: Graves, "Generating
/// Sequences With Recurrent Neural Networks", 2013.
/// </remarks>
public sealed class RmsProp : Optimizer
{
    private const string SquareAvg = "square_avg";
    private const string MomentumBuffer = "momentum_buffer";
    private const string GradAvg = "grad_avg";
    private readonly RmsPropOptions _options;

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="alpha">The smoothing constant.</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The L2 penalty.</param>
    /// <param name="momentum">The momentum factor.</param>
    /// <param name="centered">Normalize by the estimated variance of the gradient.</param>
    /// <param name="maximize">Maximize the objective.</param>
    public RmsProp(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : this(parameters, new RmsPropOptions
        {
            LearningRate = lr, Alpha = alpha, Eps = eps, WeightDecay = weightDecay, Momentum = momentum,
            Centered = centered, Maximize = maximize,
        })
    {
    }

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="options">The hyper-parameters.</param>
    public RmsProp(IEnumerable<Tensor> parameters, RmsPropOptions options)
        : this([new ParamGroup(parameters ?? throw new ArgumentNullException(nameof(parameters)))], options)
    {
    }

    /// <summary>Creates the optimizer over several groups, each possibly overriding the defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="options">The default hyper-parameters.</param>
    public RmsProp(IEnumerable<ParamGroup> groups, RmsPropOptions options)
        : base(groups, options)
    {
        _options = options;
    }

    /// <inheritdoc />
    public override MomentumKind MomentumKind => MomentumKind.Momentum;

    /// <inheritdoc />
    protected override double DefaultMomentum => ((RmsPropOptions)Defaults).Momentum;

    /// <inheritdoc />
    protected override IReadOnlyCollection<string>? StateBufferNames => [SquareAvg, MomentumBuffer, GradAvg];

    /// <inheritdoc />
    protected override void Build(Tensor parameter, ParamGroup group, ParameterState state)
    {
        state.SetBuffer(SquareAvg, Tensor.ZerosLike(parameter));
        if (group.Momentum > 0) state.SetBuffer(MomentumBuffer, Tensor.ZerosLike(parameter));
        if (((RmsPropOptions)Defaults).Centered) state.SetBuffer(GradAvg, Tensor.ZerosLike(parameter));
    }

    /// <inheritdoc />
    protected override void Update(Tensor param, Tensor grad, ParamGroup group, ParameterState state)
    {
        var p = param.AsSpan();
        ReadOnlySpan<float> g = grad.AsSpan();
        var sq = state[SquareAvg].AsSpan();
        bool centered = _options.Centered;
        bool maximize = _options.Maximize;
        var gAvg = centered ? state.GetOrAddBuffer(GradAvg, param).AsSpan() : default;
        bool useMomentum = group.Momentum > 0;
        // A schedule may switch momentum on after the first step; the buffer then starts at zero.
        var buf = useMomentum ? state.GetOrAddBuffer(MomentumBuffer, param).AsSpan() : default;

        float alpha = (float)_options.Alpha, oneMinusAlpha = (float)(1 - _options.Alpha);
        float eps = (float)_options.Eps;
        float wd = (float)group.WeightDecay;
        float mu = (float)group.Momentum;
        float negLr = (float)-group.LearningRate;

        for (int i = 0; i < p.Length; i++)
        {
            float gi = maximize ? -g[i] : g[i];
            if (wd != 0) gi += wd * p[i];
            float s = sq[i] * alpha + oneMinusAlpha * gi * gi;
            sq[i] = s;
            float avg;
            if (centered)
            {
                float a = gAvg[i] * alpha + oneMinusAlpha * gi;
                gAvg[i] = a;
                avg = MathF.Sqrt(s + -1f * a * a);
            }
            else
            {
                avg = MathF.Sqrt(s);
            }
            avg += eps;
            if (useMomentum)
            {
                float b = buf[i] * mu + 1f * gi / avg;
                buf[i] = b;
                p[i] += negLr * b;
            }
            else
            {
                p[i] += negLr * gi / avg;
            }
        }
    }
}
