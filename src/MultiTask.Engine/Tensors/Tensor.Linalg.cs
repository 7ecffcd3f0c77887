using System.Numerics.Tensors;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Kernels;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    /// <summary>
    /// Matrix product with PyTorch's <c>matmul</c> rules: vector·vector is a dot product, a vector
    /// operand gains (then loses) a unit dimension, and leading batch dimensions broadcast.
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"MatMul needs tensors of rank ≥ 1, got shapes {ShapeUtil.Format(_shape)} and {ShapeUtil.Format(other._shape)}.");
        if (Rank == 1 && other.Rank == 1) return Dot(other);
        if (Rank == 1) return Unsqueeze(0).MatMul(other).Squeeze(-2);
        if (other.Rank == 1) return MatMul(other.Unsqueeze(-1)).Squeeze(-1);
        return BatchedMatMul(other);
    }

    /// <summary>The dot product of two vectors.</summary>
    public Tensor Dot(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank != 1 || other.Rank != 1 || Numel != other.Numel)
            throw new ArgumentException($"Dot needs two vectors of the same length, got shapes {ShapeUtil.Format(_shape)} and {ShapeUtil.Format(other._shape)}.");
        return (this * other).Sum();
    }

    private Tensor BatchedMatMul(Tensor other)
    {
        int m = _shape[^2], k = _shape[^1], k2 = other._shape[^2], n = other._shape[^1];
        if (k != k2)
            throw new ArgumentException(
                $"MatMul: shapes {ShapeUtil.Format(_shape)} and {ShapeUtil.Format(other._shape)} cannot be multiplied ({m}x{k} and {k2}x{n}).");
        var aBatch = _shape[..^2];
        var bBatch = other._shape[..^2];
        var batch = ShapeUtil.Broadcast(aBatch, bBatch);
        int count = ShapeUtil.Numel(batch);
        var outShape = new int[batch.Length + 2];
        batch.CopyTo(outShape, 0);
        outShape[^2] = m;
        outShape[^1] = n;
        var data = GC.AllocateUninitializedArray<float>(count * m * n);
        var aStrides = ShapeUtil.BroadcastStrides(aBatch, batch);
        var bStrides = ShapeUtil.BroadcastStrides(bBatch, batch);
        var index = new int[batch.Length];
        for (int i = 0; i < count; i++)
        {
            int aOff = 0, bOff = 0;
            for (int d = batch.Length - 1, rest = i; d >= 0; d--)
            {
                index[d] = rest % batch[d];
                rest /= batch[d];
                aOff += index[d] * aStrides[d];
                bOff += index[d] * bStrides[d];
            }
            Gemm.MultiplyInBatch(Data.AsSpan(aOff * m * k, m * k), false, other.Data.AsSpan(bOff * k * n, k * n), false,
                data.AsSpan(i * m * n, m * n), m, k, n);
        }
        var result = new Tensor(data, outShape);
        Graph.Track(result, "MatMulBackward", Derivatives.MatMul, this, other);
        return result;
    }

    /// <summary>
    /// y = x·Wᵀ + b over the last dimension of <paramref name="input"/> (PyTorch's <c>nn.functional.linear</c>) in one GEMM
    /// (the bias pre-fills the output, which the product accumulates into, as PyTorch's addmm does); no transposed copy of W.
    /// </summary>
    /// <param name="input">[..., in].</param>
    /// <param name="weight">[out, in].</param>
    /// <param name="bias">[out], or null.</param>
    /// <returns>[..., out].</returns>
    /// <exception cref="ArgumentException">The shapes do not fit together.</exception>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2 || input.Rank == 0 || input._shape[^1] != weight._shape[1] || bias is not null && (bias.Rank != 1 || bias._shape[0] != weight._shape[0]))
            throw new ArgumentException(
                $"Linear needs input [..., in], weight [out, in] and bias [out]; got input {ShapeUtil.Format(input._shape)}, weight {ShapeUtil.Format(weight._shape)}" +
                (bias is null ? "." : $" and bias {ShapeUtil.Format(bias._shape)}."));
        var result = LinearUntracked(input, weight, bias);
        if (bias is null) Graph.Track(result, "LinearBackward", Derivatives.Linear, input, weight);
        else Graph.Track(result, "LinearBackward", Derivatives.Linear, input, weight, bias);
        return result;
    }

    /// <summary>
    /// relu(x·Wᵀ + b) as one recorded operation: the activation runs in place on the product, which nothing else sees,
    /// so a training step keeps one array per layer instead of two, and backward masks g once for the three gradients.
    /// </summary>
    internal static Tensor LinearRelu(Tensor input, Tensor weight, Tensor? bias)
    {
        var result = LinearUntracked(input, weight, bias);
        // The same kernel as Relu(), so the fused layer is bit-identical to Linear followed by Relu.
        TensorPrimitives.Max(result.Data, 0f, result.Data);
        var node = bias is null
            ? Graph.Track(result, "LinearReluBackward", Derivatives.LinearRelu, input, weight)
            : Graph.Track(result, "LinearReluBackward", Derivatives.LinearRelu, input, weight, bias);
        if (node is not null) node.Output = result;
        return result;
    }

    private static Tensor LinearUntracked(Tensor input, Tensor weight, Tensor? bias)
    {
        int n = weight._shape[0], k = weight._shape[1];
        int m = 1;
        for (int d = 0; d < input.Rank - 1; d++) m *= input._shape[d];
        var outShape = (int[])input._shape.Clone();
        outShape[^1] = n;
        // From the reused buffers: inference scratch and the activations that backward frees come back to them.
        var data = ScratchBuffers.Rent(m * n);
        if (bias is not null) FusedKernels.BroadcastRows(bias.Data, data, m);
        Gemm.Multiply(input.Data, false, weight.Data, true, data, m, k, n, accumulate: bias is not null);
        return new Tensor(data, outShape);
    }

    /// <summary>g·W for a linear layer's input gradient (g is [..., n], W is [n, k]); not recorded.</summary>
    internal static Tensor LinearInputGrad(Tensor g, Tensor weight, int[] inputShape)
    {
        int n = weight._shape[0], k = weight._shape[1];
        int m = n == 0 ? ShapeUtil.Numel(inputShape) / Math.Max(k, 1) : g.Numel / n;
        var data = ScratchBuffers.Rent(ShapeUtil.Numel(inputShape));
        Gemm.Multiply(g.Data, false, weight.Data, false, data, m, n, k);
        return new Tensor(data, inputShape).MarkExclusiveGradient();
    }

    /// <summary>gᵀ·x for a linear layer's weight gradient (g is [..., n], x is [..., k]); not recorded.</summary>
    internal static Tensor LinearWeightGrad(Tensor g, Tensor input, int n, int k)
    {
        int m = k == 0 ? (n == 0 ? 0 : g.Numel / n) : input.Numel / k;
        var data = ScratchBuffers.Rent(n * k);
        Gemm.Multiply(g.Data, true, input.Data, false, data, n, m, k);
        return new Tensor(data, [n, k]).MarkExclusiveGradient();
    }

    /// <summary>The column sums of g viewed as [rows, n] (a linear layer's bias gradient); not recorded.</summary>
    internal static Tensor ColumnSums(Tensor g, int n)
    {
        var data = new float[n];
        if (n > 0) FusedKernels.ColumnSums(g.Data, data, g.Numel / n);
        return new Tensor(data, [n]).MarkExclusiveGradient();
    }

    /// <summary>
    /// The gradients of a plain (non-broadcast) batched product C = A·B without recording: dA = g·Bᵀ and
    /// dB = Aᵀ·g through the GEMM's transpose flags, so no transposed copies are made.
    /// </summary>
    internal static (Tensor? GradA, Tensor? GradB) MatMulGrads(Tensor a, Tensor b, Tensor g, bool needA, bool needB)
    {
        int m = a._shape[^2], k = a._shape[^1], n = b._shape[^1];
        int count = a.Numel / Math.Max(m * k, 1);
        if (m * k == 0) count = ShapeUtil.Numel(a._shape[..^2]);
        float[]? da = needA ? ScratchBuffers.Rent(a.Numel) : null;
        float[]? db = needB ? ScratchBuffers.Rent(b.Numel) : null;
        for (int i = 0; i < count; i++)
        {
            var gs = g.Data.AsSpan(i * m * n, m * n);
            var sa = a.Data.AsSpan(i * m * k, m * k);
            var sb = b.Data.AsSpan(i * k * n, k * n);
            if (da is not null) Gemm.MultiplyInBatch(gs, false, sb, true, da.AsSpan(i * m * k, m * k), m, n, k);
            if (db is not null) Gemm.MultiplyInBatch(sa, true, gs, false, db.AsSpan(i * k * n, k * n), k, m, n);
        }
        return (da is null ? null : new Tensor(da, a._shape).MarkExclusiveGradient(), db is null ? null : new Tensor(db, b._shape).MarkExclusiveGradient());
    }

    /// <summary>The Relu gradient g where the output is positive, else 0, in one pass; not recorded.</summary>
    internal static Tensor ReluGrad(Tensor g, Tensor output)
    {
        var data = ScratchBuffers.Rent(g.Numel);
        FusedKernels.ReluBackward(g.Data, output.Data, data);
        return new Tensor(data, g._shape).MarkExclusiveGradient();
    }
}
