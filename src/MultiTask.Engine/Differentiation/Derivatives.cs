using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Differentiation;

/// <summary>
/// Every backward rule, in one place (PyTorch's <c>derivatives.yaml</c>). A rule maps the gradient of
/// an operation's output to the gradients of its inputs, using only differentiable tensor operations,
/// so that the same rule also builds the graph for higher-order gradients when asked to.
/// </summary>
internal static class Derivatives
{
    private static Tensor In(Node n, int i) => n.Input(i);

    // ---- identity and shape ----

    public static Tensor?[] Identity(Node n, Tensor g) => [g];

    public static Tensor?[] Reshape(Node n, Tensor g) => [g.Reshape(n.StateAs<InputShape>().Shape)];

    public static Tensor?[] Permute(Node n, Tensor g)
    {
        var perm = n.StateAs<PermuteState>().Order;
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return [g.Permute(inverse)];
    }

    /// <summary>Broadcast (expand) backward: sum the gradient down to the input shape.</summary>
    public static Tensor?[] SumToInput(Node n, Tensor g) => [g.SumToShape(n.StateAs<InputShape>().Shape)];

    /// <summary>Sum backward: the gradient, reshaped to the keepdim shape, broadcast to the input shape.</summary>
    public static Tensor?[] ExpandToInput(Node n, Tensor g)
    {
        var s = n.StateAs<SumState>();
        var shaped = s.KeepDimShape is null ? g : g.Reshape(s.KeepDimShape);
        return [shaped.Expand(s.InputShape)];
    }

    // ---- arithmetic (broadcasting: each gradient is summed back to its input's shape) ----

    public static Tensor?[] Add(Node n, Tensor g) =>
    [
        n.NeedsGrad(0) ? g.SumToShape(In(n, 0).ShapeArray) : null,
        n.NeedsGrad(1) ? g.SumToShape(In(n, 1).ShapeArray) : null,
    ];

    public static Tensor?[] Sub(Node n, Tensor g) =>
    [
        n.NeedsGrad(0) ? g.SumToShape(In(n, 0).ShapeArray) : null,
        n.NeedsGrad(1) ? (-g).SumToShape(In(n, 1).ShapeArray) : null,
    ];

    public static Tensor?[] Mul(Node n, Tensor g) =>
    [
        n.NeedsGrad(0) ? (g * In(n, 1)).SumToShape(In(n, 0).ShapeArray) : null,
        n.NeedsGrad(1) ? (g * In(n, 0)).SumToShape(In(n, 1).ShapeArray) : null,
    ];

    public static Tensor?[] Div(Node n, Tensor g)
    {
        var a = In(n, 0);
        var b = In(n, 1);
        return
        [
            n.NeedsGrad(0) ? (g / b).SumToShape(a.ShapeArray) : null,
            n.NeedsGrad(1) ? (-g * a / (b * b)).SumToShape(b.ShapeArray) : null,
        ];
    }

    public static Tensor?[] Neg(Node n, Tensor g) => [-g];

    // ---- element-wise math ----

    public static Tensor?[] Exp(Node n, Tensor g) => [g * n.Output!];

    public static Tensor?[] Log(Node n, Tensor g) => [g / In(n, 0)];

    /// <summary>Relu backward: the gradient where the output is positive (PyTorch's threshold_backward).</summary>
    public static Tensor?[] Relu(Node n, Tensor g) =>
        [Autograd.IsGradEnabled ? g * n.Output!.Gt(0f) : Tensor.ReluGrad(g, n.Output!)];

    public static Tensor?[] PowScalar(Node n, Tensor g)
    {
        double e = n.StateAs<PowState>().Exponent;
        if (e == 0) return [g * 0f];
        return [g * (In(n, 0).Pow((float)(e - 1)) * (float)e)];
    }

    /// <summary>Pow backward; the base's gradient is 0 where the exponent is 0, the exponent's gradient is 0 where the base is 0 and the exponent ≥ 0 (PyTorch's convention).</summary>
    public static Tensor?[] Pow(Node n, Tensor g)
    {
        var a = In(n, 0);
        var b = In(n, 1);
        Tensor? ga = null, gb = null;
        // A zero exponent gives a zero gradient even where a^(b-1) is infinite (PyTorch's convention).
        if (n.NeedsGrad(0)) ga = Tensor.Where(b.Eq(0f), Tensor.Scalar(0f), g * b * a.Pow(b - 1f)).SumToShape(a.ShapeArray);
        if (n.NeedsGrad(1))
        {
            var zero = a.Eq(0f) * b.Ge(0f);
            var safeA = Tensor.Where(zero, Tensor.Scalar(1f), a);
            gb = Tensor.Where(zero, Tensor.Scalar(0f), g * n.Output! * safeA.Log()).SumToShape(b.ShapeArray);
        }
        return [ga, gb];
    }

    public static Tensor?[] Sqrt(Node n, Tensor g) => [g / (n.Output! * 2f)];

    public static Tensor?[] Rsqrt(Node n, Tensor g)
    {
        var y = n.Output!;
        return [g * (y * y * y) * -0.5f];
    }

    public static Tensor?[] Abs(Node n, Tensor g) => [g * In(n, 0).Sign()];

    public static Tensor?[] Log1p(Node n, Tensor g) => [g / (In(n, 0) + 1f)];

    public static Tensor?[] Expm1(Node n, Tensor g) => [g * (n.Output! + 1f)];

    public static Tensor?[] Square(Node n, Tensor g) => [g * In(n, 0) * 2f];

    public static Tensor?[] Reciprocal(Node n, Tensor g)
    {
        var y = n.Output!;
        return [-g * (y * y)];
    }

    private const float TwoOverSqrtPi = 1.1283791670955126f;
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.3989422804014327f;

    public static Tensor?[] Erf(Node n, Tensor g)
    {
        var x = In(n, 0);
        return [g * ((x * x).Neg().Exp() * TwoOverSqrtPi)];
    }

    public static Tensor?[] Sin(Node n, Tensor g) => [g * In(n, 0).Cos()];

    public static Tensor?[] Cos(Node n, Tensor g) => [-g * In(n, 0).Sin()];

    public static Tensor?[] Clamp(Node n, Tensor g) => [g * n.Saved!];

    /// <summary>Maximum backward: the larger input gets the gradient, a tie gives each half.</summary>
    public static Tensor?[] Maximum(Node n, Tensor g) => ExtremeTie(n, g, max: true);

    public static Tensor?[] Minimum(Node n, Tensor g) => ExtremeTie(n, g, max: false);

    private static Tensor?[] ExtremeTie(Node n, Tensor g, bool max)
    {
        var a = In(n, 0);
        var b = In(n, 1);
        var half = a.Eq(b) * 0.5f;
        var aWins = (max ? a.Gt(b) : a.Lt(b)) + half;
        var bWins = (max ? a.Lt(b) : a.Gt(b)) + half;
        return
        [
            n.NeedsGrad(0) ? (g * aWins).SumToShape(a.ShapeArray) : null,
            n.NeedsGrad(1) ? (g * bWins).SumToShape(b.ShapeArray) : null,
        ];
    }

    /// <summary>Where backward: each branch gets the gradient where it was picked (no multiplication, so an infinite unpicked branch cannot make NaN).</summary>
    public static Tensor?[] Where(Node n, Tensor g)
    {
        var c = n.Saved!;
        var zero = Tensor.Scalar(0f);
        return
        [
            n.NeedsGrad(0) ? Tensor.Where(c, g, zero).SumToShape(In(n, 0).ShapeArray) : null,
            n.NeedsGrad(1) ? Tensor.Where(c, zero, g).SumToShape(In(n, 1).ShapeArray) : null,
        ];
    }

    // ---- activations ----

    public static Tensor?[] LeakyRelu(Node n, Tensor g)
    {
        float slope = (float)n.StateAs<LeakyReluState>().NegativeSlope;
        return [g * (In(n, 0).Gt(0f) * (1f - slope) + slope)];
    }

    public static Tensor?[] Elu(Node n, Tensor g)
    {
        var x = In(n, 0);
        return [g * Tensor.Where(x.Gt(0f), Tensor.Scalar(1f), x.Exp() * (float)n.StateAs<EluState>().Alpha)];
    }

    /// <summary>d/dx x·Φ(x) = Φ(x) + x·φ(x), with the same formula as PyTorch's gelu_backward.</summary>
    public static Tensor?[] Gelu(Node n, Tensor g)
    {
        var x = In(n, 0);
        var cdf = ((x * InvSqrt2).Erf() + 1f) * 0.5f;
        var pdf = (x * x * -0.5f).Exp() * InvSqrt2Pi;
        return [g * (cdf + x * pdf)];
    }

    public static Tensor?[] GeluTanh(Node n, Tensor g)
    {
        const float k = 0.7978845608028654f, c = 0.044715f;
        var x = In(n, 0);
        var x2 = x * x;
        var t = ((x + x2 * x * c) * k).Tanh();
        var dInner = (x2 * (3f * c) + 1f) * k;
        return [g * ((t + 1f) * 0.5f + x * 0.5f * (1f - t * t) * dInner)];
    }

    public static Tensor?[] Silu(Node n, Tensor g)
    {
        var x = In(n, 0);
        var s = x.Sigmoid();
        return [g * s * (x * (1f - s) + 1f)];
    }

    public static Tensor?[] Sigmoid(Node n, Tensor g)
    {
        var y = n.Output!;
        return [g * y * (1f - y)];
    }

    public static Tensor?[] Tanh(Node n, Tensor g)
    {
        var y = n.Output!;
        return [g * (1f - y * y)];
    }

    public static Tensor?[] Softplus(Node n, Tensor g)
    {
        var s = n.StateAs<SoftplusState>();
        var bx = In(n, 0) * (float)s.Beta;
        return [g * Tensor.Where(bx.Gt((float)s.Threshold), Tensor.Scalar(1f), bx.Sigmoid())];
    }

    public static Tensor?[] Softmax(Node n, Tensor g)
    {
        var y = n.Output!;
        int dim = n.StateAs<SoftmaxState>().Dim;
        if (!Autograd.IsGradEnabled && y.Rank > 0 && dim == y.Rank - 1) return [Tensor.SoftmaxGradLastDim(g, y)];
        return [y * (g - (g * y).Sum([dim], keepDim: true))];
    }

    public static Tensor?[] LogSoftmax(Node n, Tensor g) =>
        [g - n.Output!.Exp() * g.Sum([n.StateAs<SoftmaxState>().Dim], keepDim: true)];

    // ---- reductions ----

    /// <summary>Max/min/amax/amin backward: the gradient is shared evenly among the elements equal to the result (PyTorch's evenly_distribute_backward).</summary>
    public static Tensor?[] ExtremeEvenly(Node n, Tensor g)
    {
        var x = In(n, 0);
        var s = n.StateAs<ReduceState>();
        var keep = s.KeepDimShape;
        var mask = x.Eq(n.Output!.Reshape(keep));
        var share = mask / mask.Sum(s.Dims, keepDim: true);
        return [g.Reshape(keep) * share];
    }

    /// <summary>Max/min along a dim backward: the gradient goes to the recorded index.</summary>
    public static Tensor?[] ExtremeAtIndex(Node n, Tensor g)
    {
        var s = n.StateAs<ExtremeAtIndexState>();
        return [g.Reshape(s.KeepDimShape).ScatterAddInto(In(n, 0).ShapeArray, s.Dim, n.Saved!)];
    }

    /// <summary>Norm backward for every order p (2-norm: x·g/‖x‖, 0 where the norm is 0).</summary>
    public static Tensor?[] Norm(Node n, Tensor g)
    {
        var x = In(n, 0);
        var s = n.StateAs<NormState>();
        double p = s.P;
        var keep = s.KeepDimShape;
        var gk = g.Reshape(keep);
        var norm = n.Output!.Reshape(keep);
        var zero = Tensor.Scalar(0f);
        if (p == 0) return [x * 0f];
        if (p == 1) return [gk * x.Sign()];
        var isZero = norm.Eq(0f);
        var safeNorm = Tensor.Where(isZero, Tensor.Scalar(1f), norm);
        if (p == 2) return [x * Tensor.Where(isZero, zero, gk / safeNorm)];
        if (double.IsPositiveInfinity(p))
        {
            var mask = x.Abs().Eq(norm);
            return [x.Sign() * mask * (gk / mask.Sum(s.Dims, keepDim: true))];
        }
        // d‖x‖_p/dx = x·|x|^(p-2) / ‖x‖^(p-1)
        var scale = Tensor.Where(isZero, zero, gk / safeNorm.Pow((float)(p - 1)));
        var xp = p < 2 ? x.Sign() * x.Abs().Pow((float)(p - 1)) : x * x.Abs().Pow((float)(p - 2));
        return [xp * scale];
    }

    /// <summary>Std backward through the variance: g / (2·std), and 0 where std is 0 (PyTorch's std_backward).</summary>
    public static Tensor?[] Std(Node n, Tensor g)
    {
        var y = n.Output!;
        var isZero = y.Eq(0f);
        return [Tensor.Where(isZero, Tensor.Scalar(0f), g / (Tensor.Where(isZero, Tensor.Scalar(1f), y) * 2f))];
    }

    public static Tensor?[] LogSumExp(Node n, Tensor g)
    {
        var keep = n.StateAs<ReduceState>().KeepDimShape;
        return [g.Reshape(keep) * (In(n, 0) - n.Output!.Reshape(keep)).Exp()];
    }

    // ---- indexing ----

    public static Tensor?[] Narrow(Node n, Tensor g)
    {
        var s = n.StateAs<NarrowState>();
        return [g.PadInto(s.InputShape, s.Dim, s.Start)];
    }

    public static Tensor?[] Pad(Node n, Tensor g)
    {
        var s = n.StateAs<PadState>();
        return [g.Narrow(s.Dim, s.Start, s.Length)];
    }

    public static Tensor?[] IndexSelect(Node n, Tensor g)
    {
        var s = n.StateAs<IndexSelectState>();
        return [g.IndexAddInto(s.InputShape, s.Dim, s.Index)];
    }

    public static Tensor?[] IndexAdd(Node n, Tensor g)
    {
        var s = n.StateAs<IndexAddState>();
        return [g.IndexSelect(s.Dim, s.Index)];
    }

    public static Tensor?[] Gather(Node n, Tensor g)
    {
        var s = n.StateAs<GatherState>();
        return [g.ScatterAddInto(s.InputShape, s.Dim, n.Saved!)];
    }

    public static Tensor?[] ScatterAdd(Node n, Tensor g) => [g.Gather(n.StateAs<ScatterAddState>().Dim, n.Saved!)];

    public static Tensor?[] Cat(Node n, Tensor g)
    {
        var (dim, offsets) = n.StateAs<CatState>();
        var grads = new Tensor?[n.InputCount];
        for (int i = 0; i < grads.Length; i++)
        {
            if (n.NeedsGrad(i)) grads[i] = g.Narrow(dim, offsets[i], offsets[i + 1] - offsets[i]);
        }
        return grads;
    }

    // ---- linear algebra ----

    public static Tensor?[] MatMul(Node n, Tensor g)
    {
        var a = In(n, 0);
        var b = In(n, 1);
        // Without a graph to record, a product whose operands share one batch shape (no broadcasting)
        // differentiates through the GEMM's transpose flags instead of transposed copies.
        if (!Autograd.IsGradEnabled && ShapeUtil.SameShape(a.ShapeArray[..^2], b.ShapeArray[..^2]))
        {
            var (ga, gb) = Tensor.MatMulGrads(a, b, g, n.NeedsGrad(0), n.NeedsGrad(1));
            return [ga, gb];
        }
        return
        [
            n.NeedsGrad(0) ? g.MatMul(b.Transpose(-1, -2)).SumToShape(a.ShapeArray) : null,
            n.NeedsGrad(1) ? a.Transpose(-1, -2).MatMul(g).SumToShape(b.ShapeArray) : null,
        ];
    }

    /// <summary>
    /// Backward of the fused weighted mean squared error: 2·w·(x − y)/Σw where the weight is non-zero, else 0 (a masked
    /// element's values never reach the gradient, as with the general path's select).
    /// </summary>
    public static Tensor?[] MaskedMseMean(Node n, Tensor g)
    {
        var s = n.StateAs<MaskedMseState>();
        var x = In(n, 0);
        if (!Autograd.IsGradEnabled) return [Tensor.MaskedMseMeanGrad(x, s.Target, s.Weight, s.Width, s.Denominator, g.Item())];
        if (s.Denominator == 0) return [Tensor.ZerosLike(x) * g];
        var keep = s.Weight.Ne(0f).Expand(x.ShapeArray);
        var difference = Tensor.Where(keep, x - s.Target, Tensor.Scalar(0f));
        return [difference * (s.Weight * (float)(2 / s.Denominator)) * g];
    }

    /// <summary>
    /// Backward of the fused relu(x·Wᵀ + b): g masked where the output is positive, then <see cref="Linear"/>'s rule. The
    /// masked gradient is read only by the rule's kernels, so its storage is reused at once.
    /// </summary>
    public static Tensor?[] LinearRelu(Node n, Tensor g)
    {
        var y = n.Output!;
        if (Autograd.IsGradEnabled) return Linear(n, g * y.Gt(0f));
        var masked = Tensor.ReluGrad(g, y);
        var grads = Linear(n, masked);
        ScratchBuffers.Return(masked.Data);
        return grads;
    }

    /// <summary>
    /// Linear backward (y = x·Wᵀ + b): dx = g·W, dW = gᵀ·x, db = Σ_rows g. Without a graph to record these
    /// are single GEMMs with transpose flags; with one (createGraph) they are built from differentiable ops.
    /// </summary>
    public static Tensor?[] Linear(Node n, Tensor g)
    {
        var x = In(n, 0);
        var w = In(n, 1);
        int outF = w.ShapeArray[0], inF = w.ShapeArray[1];
        bool hasBias = n.InputCount > 2;
        bool needBias = hasBias && n.NeedsGrad(2);
        if (!Autograd.IsGradEnabled)
        {
            return hasBias
                ? [n.NeedsGrad(0) ? Tensor.LinearInputGrad(g, w, x.ShapeArray) : null,
                   n.NeedsGrad(1) ? Tensor.LinearWeightGrad(g, x, outF, inF) : null,
                   needBias ? Tensor.ColumnSums(g, outF) : null]
                : [n.NeedsGrad(0) ? Tensor.LinearInputGrad(g, w, x.ShapeArray) : null,
                   n.NeedsGrad(1) ? Tensor.LinearWeightGrad(g, x, outF, inF) : null];
        }
        var g2 = g.Reshape(-1, outF);
        var gx = n.NeedsGrad(0) ? g.MatMul(w) : null;
        var gw = n.NeedsGrad(1) ? g2.Transpose(0, 1).MatMul(x.Reshape(-1, inF)) : null;
        return hasBias ? [gx, gw, needBias ? g2.Sum(0) : null] : [gx, gw];
    }
}
