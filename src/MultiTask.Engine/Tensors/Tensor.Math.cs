using System.Numerics.Tensors;
using MultiTask.Engine.Autograd;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    private delegate void SpanMap(ReadOnlySpan<float> x, Span<float> destination);

    private Tensor Unary(SpanMap kernel, string name, BackwardRule rule, bool saveOutput = false)
    {
        var result = new Tensor(new float[Data.Length], _shape);
        kernel(Data, result.Data);
        var node = Graph.Track(result, name, rule, this);
        if (node is not null && saveOutput) node.Output = result;
        return result;
    }

    /// <summary>Element-wise e^x.</summary>
    public Tensor Exp() => Unary(TensorPrimitives.Exp, "ExpBackward", Derivatives.Exp, saveOutput: true);

    /// <summary>Element-wise natural logarithm.</summary>
    public Tensor Log() => Unary(TensorPrimitives.Log, "LogBackward", Derivatives.Log);

    /// <summary>Element-wise max(x, 0).</summary>
    public Tensor Relu() => Unary(static (x, d) => TensorPrimitives.Max(x, 0f, d), "ReluBackward", Derivatives.Relu, saveOutput: true);
}
