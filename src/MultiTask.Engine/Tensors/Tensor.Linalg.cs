using MultiTask.Engine.Autograd;
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
        var data = new float[count * m * n];
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
            Gemm.Multiply(Data.AsSpan(aOff * m * k, m * k), false, other.Data.AsSpan(bOff * k * n, k * n), false,
                data.AsSpan(i * m * n, m * n), m, k, n);
        }
        var result = new Tensor(data, outShape);
        Graph.Track(result, "MatMulBackward", Derivatives.MatMul, this, other);
        return result;
    }
}
