using System.Numerics.Tensors;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Kernels;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    internal void MarkRequiresGrad() => _requiresGrad = true;

    private Tensor Binary<TOp>(Tensor other, string name, BackwardRule rule) where TOp : IBinaryOperator
    {
        ArgumentNullException.ThrowIfNull(other);
        var data = BinaryKernels.Apply<TOp>(Data, _shape, other.Data, other._shape, out var shape);
        var result = new Tensor(data, shape);
        Graph.Track(result, name, rule, this, other);
        return result;
    }

    /// <summary>Element-wise sum with broadcasting.</summary>
    public Tensor Add(Tensor other) => Binary<AddOperator>(other, "AddBackward", Derivatives.Add);

    /// <summary>Element-wise <c>this + alpha * other</c> with broadcasting.</summary>
    public Tensor Add(Tensor other, float alpha) => alpha == 1f ? Add(other) : Add(other * alpha);

    /// <summary>Element-wise difference with broadcasting.</summary>
    public Tensor Sub(Tensor other) => Binary<SubtractOperator>(other, "SubBackward", Derivatives.Sub);

    /// <summary>Element-wise product with broadcasting.</summary>
    public Tensor Mul(Tensor other) => Binary<MultiplyOperator>(other, "MulBackward", Derivatives.Mul);

    /// <summary>Element-wise quotient with broadcasting.</summary>
    public Tensor Div(Tensor other) => Binary<DivideOperator>(other, "DivBackward", Derivatives.Div);

    /// <summary>Adds a scalar.</summary>
    public Tensor Add(float value) => Add(Scalar(value));

    /// <summary>Subtracts a scalar.</summary>
    public Tensor Sub(float value) => Sub(Scalar(value));

    /// <summary>Multiplies by a scalar.</summary>
    public Tensor Mul(float value) => Mul(Scalar(value));

    /// <summary>Divides by a scalar.</summary>
    public Tensor Div(float value) => Div(Scalar(value));

    /// <summary>Element-wise negation.</summary>
    public Tensor Neg()
    {
        var result = new Tensor(GC.AllocateUninitializedArray<float>(Data.Length), _shape);
        TensorPrimitives.Negate(Data, result.Data);
        Graph.Track(result, "NegBackward", Derivatives.Neg, this);
        return result;
    }

    /// <summary>Element-wise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, float b) => a.Add(b);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(float a, Tensor b) => b.Add(a);

    /// <summary>Element-wise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);

    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, float b) => a.Sub(b);

    /// <summary>Subtracts from a scalar.</summary>
    public static Tensor operator -(float a, Tensor b) => Scalar(a).Sub(b);

    /// <summary>Element-wise negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();

    /// <summary>Element-wise product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, float b) => a.Mul(b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(float a, Tensor b) => b.Mul(a);

    /// <summary>Element-wise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, float b) => a.Div(b);

    /// <summary>Divides a scalar by each element.</summary>
    public static Tensor operator /(float a, Tensor b) => Scalar(a).Div(b);

    /// <summary>In-place <c>this += other</c> outside autograd (used for gradient accumulation).</summary>
    internal void AddInPlace(Tensor other)
    {
        if (other.Data.Length == Data.Length) TensorPrimitives.Add(Data, other.Data, Data);
        else BinaryKernels.Apply<AddOperator>(Data, _shape, other.Data, other._shape, out _).AsSpan().CopyTo(Data);
    }

    private Tensor CloneCore()
    {
        var result = new Tensor((float[])Data.Clone(), _shape);
        Graph.Track(result, "CloneBackward", Derivatives.Identity, this);
        return result;
    }
}
