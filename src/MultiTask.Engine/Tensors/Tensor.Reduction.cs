using System.Numerics.Tensors;
using MultiTask.Engine.Autograd;
using MultiTask.Engine.Kernels;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    /// <summary>The sum of all elements, as a rank-0 tensor.</summary>
    public Tensor Sum()
    {
        var result = Scalar(TensorPrimitives.Sum<float>(Data));
        var node = Graph.Track(result, "SumBackward", Derivatives.ExpandToInput, this);
        if (node is not null) node.Ints2 = _shape;
        return result;
    }

    /// <summary>Sums over <paramref name="dims"/>, keeping them as size one when <paramref name="keepDim"/> is true.</summary>
    public Tensor Sum(int[] dims, bool keepDim = false)
    {
        var normalized = NormalizeDims(dims);
        float[] data = Data;
        var shape = (int[])_shape.Clone();
        foreach (int d in normalized)
        {
            data = ReduceKernels.Sum(data, shape, d);
            shape[d] = 1;
        }
        if (normalized.Length == 0) data = (float[])Data.Clone();
        var result = new Tensor(data, keepDim ? shape : DropDims(shape, normalized));
        var node = Graph.Track(result, "SumBackward", Derivatives.ExpandToInput, this);
        if (node is not null)
        {
            node.Ints2 = _shape;
            node.Ints = shape; // the keepdim shape, to which the gradient is reshaped first
        }
        return result;
    }

    /// <summary>Sums over one dimension.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>The mean of all elements.</summary>
    public Tensor Mean() => Numel == 0 ? Sum() * float.NaN : Sum() / Numel;

    /// <summary>The mean over <paramref name="dims"/>.</summary>
    public Tensor Mean(int[] dims, bool keepDim = false)
    {
        var normalized = NormalizeDims(dims);
        int count = 1;
        foreach (int d in normalized) count *= _shape[d];
        return Sum(normalized, keepDim) / count;
    }

    /// <summary>The mean over one dimension.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>Sorted, distinct, non-negative dims; an empty list means every dim (as in PyTorch).</summary>
    internal int[] NormalizeDims(int[] dims)
    {
        if (dims.Length == 0) return Enumerable.Range(0, Rank).ToArray();
        var result = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) result[i] = ShapeUtil.NormalizeDim(dims[i], Rank);
        Array.Sort(result);
        for (int i = 1; i < result.Length; i++)
        {
            if (result[i] == result[i - 1]) throw new ArgumentException($"Dimension {result[i]} appears more than once in [{string.Join(", ", dims)}].");
        }
        return Rank == 0 ? [] : result;
    }

    internal static int[] DropDims(int[] shape, int[] sortedDims)
    {
        var result = new List<int>(shape.Length);
        for (int d = 0; d < shape.Length; d++)
        {
            if (Array.BinarySearch(sortedDims, d) < 0) result.Add(shape[d]);
        }
        return [.. result];
    }
}
