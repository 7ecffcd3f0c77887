using System.Numerics.Tensors;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Kernels;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    /// <summary>Element-wise x for x &gt; 0, <paramref name="negativeSlope"/>·x otherwise.</summary>
    public Tensor LeakyRelu(float negativeSlope = 0.01f)
    {
        var result = new Tensor(new float[Data.Length], _shape);
        ElementwiseKernels.LeakyRelu(Data, negativeSlope, result.Data);
        var node = Graph.Track(result, "LeakyReluBackward", Derivatives.LeakyRelu, this);
        if (node is not null) node.State = new LeakyReluState(negativeSlope);
        return result;
    }

    /// <summary>Element-wise x for x &gt; 0, <paramref name="alpha"/>·(e^x - 1) otherwise.</summary>
    public Tensor Elu(float alpha = 1f)
    {
        var result = new Tensor(new float[Data.Length], _shape);
        ElementwiseKernels.Elu(Data, alpha, result.Data);
        var node = Graph.Track(result, "EluBackward", Derivatives.Elu, this);
        if (node is not null) node.State = new EluState(alpha);
        return result;
    }

    /// <summary>
    /// Gaussian error linear unit x·Φ(x) with the exact normal CDF, or with PyTorch's tanh
    /// approximation when <paramref name="tanhApproximation"/> is true.
    /// </summary>
    public Tensor Gelu(bool tanhApproximation = false)
    {
        var result = tanhApproximation
            ? Unary<GeluTanhOperator>("GeluBackward", Derivatives.GeluTanh)
            : Unary<GeluOperator>("GeluBackward", Derivatives.Gelu);
        return result;
    }

    /// <summary>Element-wise x·sigmoid(x) (also called swish).</summary>
    public Tensor Silu() => Unary<SiluOperator>("SiluBackward", Derivatives.Silu);

    /// <summary>Element-wise 1 / (1 + e^-x).</summary>
    public Tensor Sigmoid() => Unary(TensorPrimitives.Sigmoid, "SigmoidBackward", Derivatives.Sigmoid, saveOutput: true);

    /// <summary>Element-wise hyperbolic tangent.</summary>
    public Tensor Tanh() => Unary(TensorPrimitives.Tanh, "TanhBackward", Derivatives.Tanh, saveOutput: true);

    /// <summary>
    /// Element-wise ln(1 + e^(βx))/β, and x itself where βx exceeds <paramref name="threshold"/>
    /// (PyTorch's linear region, which also avoids overflow).
    /// </summary>
    public Tensor Softplus(float beta = 1f, float threshold = 20f)
    {
        var result = new Tensor(new float[Data.Length], _shape);
        ElementwiseKernels.Softplus(Data, beta, threshold, result.Data);
        var node = Graph.Track(result, "SoftplusBackward", Derivatives.Softplus, this);
        if (node is not null) node.State = new SoftplusState(beta, threshold);
        return result;
    }

    /// <summary>e^x / Σ e^x along <paramref name="dim"/>, computed stably by subtracting the maximum first.</summary>
    public Tensor Softmax(int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        Tensor result;
        using (Differentiation.Autograd.NoGrad())
        {
            var e = (this - StableShift(d)).Exp();
            result = Rank == 0 ? e / e : e / e.Sum(d, keepDim: true);
        }
        result = result.Detach();
        var node = Graph.Track(result, "SoftmaxBackward", Derivatives.Softmax, this);
        if (node is not null)
        {
            node.Output = result;
            node.State = new SoftmaxState(d);
        }
        return result;
    }

    /// <summary>ln(softmax(x)) along <paramref name="dim"/>, computed stably as x - max - ln Σ e^(x - max).</summary>
    public Tensor LogSoftmax(int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        Tensor result;
        using (Differentiation.Autograd.NoGrad())
        {
            var shifted = this - StableShift(d);
            result = Rank == 0 ? shifted - shifted : shifted - shifted.Exp().Sum(d, keepDim: true).Log();
        }
        result = result.Detach();
        var node = Graph.Track(result, "LogSoftmaxBackward", Derivatives.LogSoftmax, this);
        if (node is not null)
        {
            node.Output = result;
            node.State = new SoftmaxState(d);
        }
        return result;
    }

    /// <summary>The maximum along a dim (keepdim), with infinite maxima replaced by 0 so that x - max never makes NaN from ∞ - ∞.</summary>
    private Tensor StableShift(int dim)
    {
        if (Rank == 0) return Detach();
        var shape = (int[])_shape.Clone();
        var values = ReduceKernels.ArgExtreme(Data, _shape, dim, max: true, out _);
        for (int i = 0; i < values.Length; i++) if (float.IsInfinity(values[i])) values[i] = 0f;
        shape[dim] = 1;
        return new Tensor(values, shape);
    }

    /// <summary>Softmax backward over the last dimension in one pass per row; not recorded.</summary>
    internal static Tensor SoftmaxGradLastDim(Tensor g, Tensor output)
    {
        var data = ScratchBuffers.Rent(g.Numel);
        FusedKernels.SoftmaxBackwardLastDim(g.Data, output.Data, data, output._shape[^1]);
        return new Tensor(data, g._shape).MarkExclusiveGradient();
    }
}
