using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Autograd;

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

    public static Tensor?[] Reshape(Node n, Tensor g) => [g.Reshape(n.Ints2!)];

    public static Tensor?[] Permute(Node n, Tensor g)
    {
        var perm = n.Ints!;
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return [g.Permute(inverse)];
    }

    /// <summary>Broadcast (expand) backward: sum the gradient down to the input shape.</summary>
    public static Tensor?[] SumToInput(Node n, Tensor g) => [g.SumToShape(n.Ints2!)];

    /// <summary>Sum backward: the gradient, reshaped to the keepdim shape, broadcast to the input shape.</summary>
    public static Tensor?[] ExpandToInput(Node n, Tensor g)
    {
        var keep = n.Ints;
        var shaped = keep is null ? g : g.Reshape(keep);
        return [shaped.Expand(n.Ints2!)];
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
    public static Tensor?[] Relu(Node n, Tensor g) => [g * n.Output!.Gt(0f)];

    // ---- linear algebra ----

    public static Tensor?[] MatMul(Node n, Tensor g)
    {
        var a = In(n, 0);
        var b = In(n, 1);
        return
        [
            n.NeedsGrad(0) ? g.MatMul(b.Transpose(-1, -2)).SumToShape(a.ShapeArray) : null,
            n.NeedsGrad(1) ? a.Transpose(-1, -2).MatMul(g).SumToShape(b.ShapeArray) : null,
        ];
    }
}
