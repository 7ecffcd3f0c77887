using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight
/// decay (PyTorch's <c>torch.optim.SGD</c>).
/// </summary>
/// <remarks>
/// With weight decay λ, momentum μ and dampening τ: g ← ∇ + λθ; b ← μb + (1 − τ)g (b ← g on the
/// first step); g ← g + μb with Nesterov, else g ← b; θ ← θ − lr·g.
/// Sutskever et al., "On the importance of initialization and momentum in deep learning", ICML 2013.
/// </remarks>
public sealed class Sgd : Optimizer
{
    private const string MomentumBuffer = "momentum_buffer";
    private readonly SgdOptions _options;

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="momentum">The momentum factor.</param>
    /// <param name="dampening">The dampening for momentum.</param>
    /// <param name="weightDecay">The L2 penalty.</param>
    /// <param name="nesterov">Use Nesterov momentum.</param>
    /// <param name="maximize">Maximize the objective.</param>
    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : this(parameters, new SgdOptions
        {
            LearningRate = lr, Momentum = momentum, Dampening = dampening, WeightDecay = weightDecay,
            Nesterov = nesterov, Maximize = maximize,
        })
    {
    }

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="options">The hyper-parameters.</param>
    public Sgd(IEnumerable<Tensor> parameters, SgdOptions options)
        : this([new ParamGroup(parameters ?? throw new ArgumentNullException(nameof(parameters)))], options)
    {
    }

    /// <summary>Creates the optimizer over several groups, each possibly overriding the defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="options">The default hyper-parameters.</param>
    public Sgd(IEnumerable<ParamGroup> groups, SgdOptions options)
        : base(groups, options)
    {
        _options = options;
    }

    /// <inheritdoc />
    public override MomentumKind MomentumKind => MomentumKind.Momentum;

    /// <inheritdoc />
    protected override double DefaultMomentum => ((SgdOptions)Defaults).Momentum;

    /// <inheritdoc />
    protected override void ValidateGroup(ParamGroup group)
    {
        var o = (SgdOptions)Defaults;
        if (o.Nesterov && (group.Momentum <= 0 || o.Dampening != 0))
            throw new ArgumentException($"Nesterov momentum requires a momentum and zero dampening (a group has momentum {group.Momentum}, dampening {o.Dampening}).");
    }

    /// <inheritdoc />
    protected override IReadOnlyCollection<string>? StateBufferNames => [MomentumBuffer];

    /// <inheritdoc />
    protected override void Build(Tensor parameter, ParamGroup group, ParameterState state)
    {
        // The momentum buffer is created by the first update, which seeds it with the gradient.
    }

    /// <inheritdoc />
    protected override void Update(Tensor param, Tensor grad, ParamGroup group, ParameterState state)
    {
        var parameter = param.AsSpan();
        ReadOnlySpan<float> gradient = grad.AsSpan();
        float lr = (float)-group.LearningRate;
        float wd = (float)group.WeightDecay;
        double momentum = group.Momentum;
        bool maximize = _options.Maximize;
        if (momentum == 0)
        {
            if (wd == 0 && !maximize)
            {
                TensorPrimitives.MultiplyAdd(gradient, lr, parameter, parameter);
                return;
            }
            for (int i = 0; i < parameter.Length; i++)
            {
                float d = maximize ? -gradient[i] : gradient[i];
                if (wd != 0) d += wd * parameter[i];
                parameter[i] += lr * d;
            }
            return;
        }

        float mu = (float)momentum;
        bool nesterov = _options.Nesterov;
        if (!state.TryGetBuffer(MomentumBuffer, out var bufferTensor))
        {
            var fresh = state.SetBuffer(MomentumBuffer, Tensor.ZerosLike(param));
            var b0 = fresh.AsSpan();
            for (int i = 0; i < parameter.Length; i++)
            {
                float d = maximize ? -gradient[i] : gradient[i];
                if (wd != 0) d += wd * parameter[i];
                b0[i] = d;
                if (nesterov) d += mu * d;
                parameter[i] += lr * d;
            }
            return;
        }

        float keep = (float)(1 - _options.Dampening);
        var buf = bufferTensor.AsSpan();
        for (int i = 0; i < parameter.Length; i++)
        {
            float d = maximize ? -gradient[i] : gradient[i];
            if (wd != 0) d += wd * parameter[i];
            float b = buf[i] * mu + keep * d;
            buf[i] = b;
            d = nesterov ? d + mu * b : b;
            parameter[i] += lr * d;
        }
    }
}
