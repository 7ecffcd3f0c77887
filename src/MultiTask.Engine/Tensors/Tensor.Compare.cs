using MultiTask.Engine.Kernels;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    private Tensor Compare(Tensor other, Func<float, float, bool> predicate)
    {
        // Comparisons are not differentiable; the result is a 0/1 mask with the broadcast shape.
        var shape = ShapeUtil.Broadcast(_shape, other._shape);
        var a = ShapeUtil.SameShape(shape, _shape) ? Data : Detach().Expand(shape).Data;
        var b = ShapeUtil.SameShape(shape, other._shape) ? other.Data : other.Detach().Expand(shape).Data;
        var data = new float[a.Length];
        for (int i = 0; i < data.Length; i++) data[i] = predicate(a[i], b[i]) ? 1f : 0f;
        return new Tensor(data, shape);
    }

    /// <summary>1 where this tensor is greater than <paramref name="value"/>, else 0.</summary>
    public Tensor Gt(float value) => Compare(Scalar(value), static (x, y) => x > y);
}
