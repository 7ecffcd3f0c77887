using MultiTask.Engine.Kernels;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    // Comparisons are not differentiable: each returns a 0/1 mask with the broadcast shape that never requires grad.
    private Tensor Compare<TOp>(Tensor other) where TOp : IBinaryOperator
    {
        ArgumentNullException.ThrowIfNull(other);
        var data = BinaryKernels.Apply<TOp>(Data, _shape, other.Data, other._shape, out var shape);
        return new Tensor(data, shape);
    }

    private Tensor Compare<TOp>(float value) where TOp : IBinaryOperator
    {
        var data = new float[Data.Length];
        TOp.Invoke(Data, value, data);
        return new Tensor(data, _shape);
    }

    /// <summary>1 where this tensor equals <paramref name="other"/> (broadcasting), else 0.</summary>
    public Tensor Eq(Tensor other) => Compare<EqualOperator>(other);

    /// <summary>1 where this tensor equals <paramref name="value"/>, else 0.</summary>
    public Tensor Eq(float value) => Compare<EqualOperator>(value);

    /// <summary>1 where this tensor differs from <paramref name="other"/> (broadcasting), else 0.</summary>
    public Tensor Ne(Tensor other) => Compare<NotEqualOperator>(other);

    /// <summary>1 where this tensor differs from <paramref name="value"/>, else 0.</summary>
    public Tensor Ne(float value) => Compare<NotEqualOperator>(value);

    /// <summary>1 where this tensor is greater than <paramref name="other"/> (broadcasting), else 0.</summary>
    public Tensor Gt(Tensor other) => Compare<GreaterOperator>(other);

    /// <summary>1 where this tensor is greater than <paramref name="value"/>, else 0.</summary>
    public Tensor Gt(float value) => Compare<GreaterOperator>(value);

    /// <summary>1 where this tensor is greater than or equal to <paramref name="other"/> (broadcasting), else 0.</summary>
    public Tensor Ge(Tensor other) => Compare<GreaterEqualOperator>(other);

    /// <summary>1 where this tensor is greater than or equal to <paramref name="value"/>, else 0.</summary>
    public Tensor Ge(float value) => Compare<GreaterEqualOperator>(value);

    /// <summary>1 where this tensor is less than <paramref name="other"/> (broadcasting), else 0.</summary>
    public Tensor Lt(Tensor other) => Compare<LessOperator>(other);

    /// <summary>1 where this tensor is less than <paramref name="value"/>, else 0.</summary>
    public Tensor Lt(float value) => Compare<LessOperator>(value);

    /// <summary>1 where this tensor is less than or equal to <paramref name="other"/> (broadcasting), else 0.</summary>
    public Tensor Le(Tensor other) => Compare<LessEqualOperator>(other);

    /// <summary>1 where this tensor is less than or equal to <paramref name="value"/>, else 0.</summary>
    public Tensor Le(float value) => Compare<LessEqualOperator>(value);

    /// <summary>1 where an element is NaN, else 0.</summary>
    public Tensor IsNan() => Constant<IsNanOperator>();

    /// <summary>1 where an element is neither infinite nor NaN, else 0.</summary>
    public Tensor IsFinite() => Constant<IsFiniteOperator>();

    /// <summary>1 where an element is +∞ or -∞, else 0.</summary>
    public Tensor IsInf() => Constant<IsInfOperator>();
}
