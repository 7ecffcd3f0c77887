using System.Numerics.Tensors;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Kernels;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    private delegate void SpanMap(ReadOnlySpan<float> x, Span<float> destination);

    private Tensor Unary(SpanMap kernel, string name, BackwardRule rule, bool saveOutput = false)
    {
        var result = new Tensor(GC.AllocateUninitializedArray<float>(Data.Length), _shape);
        kernel(Data, result.Data);
        var node = Graph.Track(result, name, rule, this);
        if (node is not null && saveOutput) node.Output = result;
        return result;
    }

    private Tensor Unary<TOp>(string name, BackwardRule rule, bool saveOutput = false) where TOp : IUnaryOperator =>
        Unary(ElementwiseKernels.Map<TOp>, name, rule, saveOutput);

    /// <summary>A result that never requires grad (masks, signs, indices).</summary>
    private Tensor Constant<TOp>() where TOp : IUnaryOperator
    {
        var result = new Tensor(GC.AllocateUninitializedArray<float>(Data.Length), _shape);
        ElementwiseKernels.Map<TOp>(Data, result.Data);
        return result;
    }

    /// <summary>Element-wise e^x.</summary>
    public Tensor Exp() => Unary(TensorPrimitives.Exp, "ExpBackward", Derivatives.Exp, saveOutput: true);

    /// <summary>Element-wise natural logarithm.</summary>
    public Tensor Log() => Unary(TensorPrimitives.Log, "LogBackward", Derivatives.Log);

    /// <summary>Element-wise max(x, 0).</summary>
    public Tensor Relu() => Unary(static (x, d) => TensorPrimitives.Max(x, 0f, d), "ReluBackward", Derivatives.Relu, saveOutput: true);

    /// <summary>Element-wise x^<paramref name="exponent"/>.</summary>
    public Tensor Pow(float exponent)
    {
        var result = new Tensor(GC.AllocateUninitializedArray<float>(Data.Length), _shape);
        if (exponent == 2f) TensorPrimitives.Multiply(Data, Data, result.Data);
        else if (exponent == 0.5f) TensorPrimitives.Sqrt(Data, result.Data);
        else PowOperator.Invoke(Data, exponent, result.Data);
        var node = Graph.Track(result, "PowBackward", Derivatives.PowScalar, this);
        if (node is not null) node.State = new PowState(exponent);
        return result;
    }

    /// <summary>Element-wise x^y with broadcasting; differentiable in both the base and the exponent.</summary>
    public Tensor Pow(Tensor exponent)
    {
        var result = Binary<PowOperator>(exponent, "PowBackward", Derivatives.Pow);
        if (result.GradFn is { } node) node.Output = result;
        return result;
    }

    /// <summary>Element-wise square root.</summary>
    public Tensor Sqrt() => Unary(TensorPrimitives.Sqrt, "SqrtBackward", Derivatives.Sqrt, saveOutput: true);

    /// <summary>Element-wise 1/√x.</summary>
    public Tensor Rsqrt() => Unary(static (x, d) => { TensorPrimitives.Sqrt(x, d); TensorPrimitives.Reciprocal(d, d); },
        "RsqrtBackward", Derivatives.Rsqrt, saveOutput: true);

    /// <summary>Element-wise absolute value; the gradient at 0 is 0, as in PyTorch.</summary>
    public Tensor Abs() => Unary(TensorPrimitives.Abs, "AbsBackward", Derivatives.Abs);

    /// <summary>Element-wise sign (-1, 0 or 1; NaN stays NaN). Not differentiable: the result never requires grad.</summary>
    public Tensor Sign() => Constant<SignOperator>();

    /// <summary>Element-wise ln(1 + x), accurate for small x.</summary>
    public Tensor Log1p() => Unary(TensorPrimitives.LogP1, "Log1pBackward", Derivatives.Log1p);

    /// <summary>Element-wise e^x - 1, accurate for small x.</summary>
    public Tensor Expm1() => Unary(TensorPrimitives.ExpM1, "Expm1Backward", Derivatives.Expm1, saveOutput: true);

    /// <summary>Element-wise x².</summary>
    public Tensor Square() => Unary(static (x, d) => TensorPrimitives.Multiply(x, x, d), "SquareBackward", Derivatives.Square);

    /// <summary>Element-wise 1/x.</summary>
    public Tensor Reciprocal() => Unary(TensorPrimitives.Reciprocal, "ReciprocalBackward", Derivatives.Reciprocal, saveOutput: true);

    /// <summary>Element-wise error function.</summary>
    public Tensor Erf() => Unary<ErfOperator>("ErfBackward", Derivatives.Erf);

    /// <summary>Element-wise sine (radians).</summary>
    public Tensor Sin() => Unary(TensorPrimitives.Sin, "SinBackward", Derivatives.Sin);

    /// <summary>Element-wise cosine (radians).</summary>
    public Tensor Cos() => Unary(TensorPrimitives.Cos, "CosBackward", Derivatives.Cos);

    /// <summary>
    /// Limits every element to [<paramref name="min"/>, <paramref name="max"/>] (either bound may be omitted).
    /// The gradient is 1 inside the closed interval and 0 outside, as in PyTorch.
    /// </summary>
    public Tensor Clamp(float? min = null, float? max = null)
    {
        if (min is null && max is null)
            throw new ArgumentException("Clamp needs at least one of min and max.");
        float lo = min ?? float.NegativeInfinity, hi = max ?? float.PositiveInfinity;
        var result = new Tensor(new float[Data.Length], _shape);
        ElementwiseKernels.Clamp(Data, lo, hi, result.Data);
        var node = Graph.Track(result, "ClampBackward", Derivatives.Clamp, this);
        if (node is not null)
        {
            var mask = new float[Data.Length];
            for (int i = 0; i < mask.Length; i++) mask[i] = Data[i] >= lo && Data[i] <= hi ? 1f : 0f;
            node.Saved = new Tensor(mask, _shape);
        }
        return result;
    }

    /// <summary>Element-wise max(x, <paramref name="min"/>).</summary>
    public Tensor ClampMin(float min) => Clamp(min, null);

    /// <summary>Element-wise min(x, <paramref name="max"/>).</summary>
    public Tensor ClampMax(float max) => Clamp(null, max);

    /// <summary>
    /// Element-wise maximum with broadcasting (NaN propagates). Where both are equal the gradient is
    /// split in half between them, as in PyTorch.
    /// </summary>
    public Tensor Maximum(Tensor other) => Binary<MaximumOperator>(other, "MaximumBackward", Derivatives.Maximum);

    /// <summary>Element-wise minimum with broadcasting (NaN propagates); ties split the gradient in half.</summary>
    public Tensor Minimum(Tensor other) => Binary<MinimumOperator>(other, "MinimumBackward", Derivatives.Minimum);

    /// <summary>
    /// Picks <paramref name="x"/> where <paramref name="condition"/> is nonzero and <paramref name="y"/>
    /// elsewhere, broadcasting all three. Differentiable in <paramref name="x"/> and <paramref name="y"/>.
    /// </summary>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var result = new Tensor(ElementwiseKernels.Where(condition, x, y, out var shape), shape);
        var node = Graph.Track(result, "WhereBackward", Derivatives.Where, x, y);
        if (node is not null) node.Saved = condition.Detach();
        return result;
    }

    /// <summary>Replaces the elements where <paramref name="mask"/> is nonzero by <paramref name="value"/>; the mask broadcasts to this tensor's shape.</summary>
    public Tensor MaskedFill(Tensor mask, float value)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var shape = ShapeUtil.Broadcast(mask._shape, _shape);
        if (!ShapeUtil.SameShape(shape, _shape))
            throw new ArgumentException(
                $"MaskedFill: the mask of shape {ShapeUtil.Format(mask._shape)} must broadcast to the tensor's shape {ShapeUtil.Format(_shape)}.", nameof(mask));
        return Where(mask, Scalar(value), this);
    }
}
