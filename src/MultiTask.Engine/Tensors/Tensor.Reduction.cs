using System.Numerics.Tensors;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Kernels;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    /// <summary>The sum of all elements, as a rank-0 tensor.</summary>
    public Tensor Sum()
    {
        var result = Scalar(TensorPrimitives.Sum<float>(Data));
        var node = Graph.Track(result, "SumBackward", Derivatives.ExpandToInput, this);
        if (node is not null) node.State = new SumState(_shape, null);
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
            node.State = new SumState(_shape, shape);
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

    /// <summary>The largest element, as a rank-0 tensor (NaN if any element is NaN). Ties share the gradient evenly, as in PyTorch.</summary>
    public Tensor Max() => ExtremeAll(max: true);

    /// <summary>The smallest element, as a rank-0 tensor (NaN if any element is NaN). Ties share the gradient evenly.</summary>
    public Tensor Min() => ExtremeAll(max: false);

    private Tensor ExtremeAll(bool max)
    {
        if (Numel == 0)
            throw new InvalidOperationException($"{(max ? "Max" : "Min")}() of an empty tensor (shape {ShapeUtil.Format(_shape)}) is undefined; pass a dimension or check for emptiness first.");
        var result = Scalar(ReduceKernels.Extreme(Data, max));
        var node = Graph.Track(result, max ? "MaxBackward" : "MinBackward", Derivatives.ExtremeEvenly, this);
        if (node is not null)
        {
            node.Output = result.Detach();
            var dims = NormalizeDims([]);
            node.State = new ReduceState(dims, KeepDimShape(dims));
        }
        return result;
    }

    /// <summary>
    /// The maximum along <paramref name="dim"/> and the index of its first occurrence (as float values);
    /// the gradient flows to that index only, as in PyTorch.
    /// </summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) => ExtremeDim(dim, keepDim, max: true);

    /// <summary>The minimum along <paramref name="dim"/> and the index of its first occurrence.</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false) => ExtremeDim(dim, keepDim, max: false);

    private (Tensor Values, Tensor Indices) ExtremeDim(int dim, bool keepDim, bool max)
    {
        if (Rank == 0) return (AliasWithGrad(), Scalar(0f));
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        var values = ReduceKernels.ArgExtreme(Data, _shape, d, max, out var indices);
        var keepShape = KeepDimShape([d]);
        var outShape = keepDim ? keepShape : DropDims(_shape, [d]);
        var result = new Tensor(values, outShape);
        var index = new Tensor(indices, keepShape);
        var node = Graph.Track(result, max ? "MaxBackward" : "MinBackward", Derivatives.ExtremeAtIndex, this);
        if (node is not null)
        {
            node.Saved = index;
            node.State = new ExtremeAtIndexState(d, keepShape);
        }
        return (result, keepDim ? index : new Tensor(indices, outShape));
    }

    /// <summary>The maximum over <paramref name="dims"/> (all when empty); ties share the gradient evenly, as in PyTorch's <c>amax</c>.</summary>
    public Tensor Amax(int[] dims, bool keepDim = false) => ExtremeDims(dims, keepDim, max: true);

    /// <summary>The minimum over <paramref name="dims"/> (all when empty); ties share the gradient evenly.</summary>
    public Tensor Amin(int[] dims, bool keepDim = false) => ExtremeDims(dims, keepDim, max: false);

    private Tensor ExtremeDims(int[] dims, bool keepDim, bool max)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var normalized = NormalizeDims(dims);
        var data = Data;
        var shape = (int[])_shape.Clone();
        foreach (int d in normalized)
        {
            data = ReduceKernels.ArgExtreme(data, shape, d, max, out _);
            shape[d] = 1;
        }
        if (normalized.Length == 0) data = (float[])Data.Clone();
        var result = new Tensor(data, keepDim ? shape : DropDims(shape, normalized));
        var node = Graph.Track(result, max ? "AmaxBackward" : "AminBackward", Derivatives.ExtremeEvenly, this);
        if (node is not null)
        {
            node.Output = new Tensor(data, shape);
            node.State = new ReduceState(normalized, shape);
        }
        return result;
    }

    /// <summary>The index of the first maximum along <paramref name="dim"/>, or into the flattened tensor when <paramref name="dim"/> is null. Not differentiable.</summary>
    public Tensor Argmax(int? dim = null, bool keepDim = false) => ArgExtreme(dim, keepDim, max: true);

    /// <summary>The index of the first minimum along <paramref name="dim"/>, or into the flattened tensor when <paramref name="dim"/> is null. Not differentiable.</summary>
    public Tensor Argmin(int? dim = null, bool keepDim = false) => ArgExtreme(dim, keepDim, max: false);

    private Tensor ArgExtreme(int? dim, bool keepDim, bool max)
    {
        if (dim is null)
        {
            if (Numel == 0) throw new InvalidOperationException($"Arg{(max ? "max" : "min")} of an empty tensor is undefined.");
            ReduceKernels.ArgExtreme(Data, [Numel], 0, max, out var flat);
            return keepDim ? new Tensor(flat, KeepDimShape(NormalizeDims([]))) : Scalar(flat[0]);
        }
        if (Rank == 0) return Scalar(0f);
        int d = ShapeUtil.NormalizeDim(dim.Value, Rank);
        ReduceKernels.ArgExtreme(Data, _shape, d, max, out var indices);
        return new Tensor(indices, keepDim ? KeepDimShape([d]) : DropDims(_shape, [d]));
    }

    /// <summary>
    /// The variance over <paramref name="dims"/> (all when null or empty), dividing by N - <paramref name="correction"/>
    /// (1: unbiased, PyTorch's default; 0: population).
    /// </summary>
    public Tensor Var(int[]? dims = null, int correction = 1, bool keepDim = false)
    {
        var normalized = NormalizeDims(dims ?? []);
        int count = 1;
        foreach (int d in normalized) count *= _shape[d];
        var centered = this - Mean(normalized, keepDim: true);
        return (centered * centered).Sum(normalized, keepDim) / Math.Max(0, count - correction);
    }

    /// <summary>
    /// The standard deviation over <paramref name="dims"/>: the square root of <see cref="Var"/>. Where it is
    /// 0 the gradient is 0 (not NaN), as in PyTorch.
    /// </summary>
    public Tensor Std(int[]? dims = null, int correction = 1, bool keepDim = false)
    {
        var variance = Var(dims, correction, keepDim);
        var result = new Tensor(new float[variance.Numel], variance._shape);
        TensorPrimitives.Sqrt(variance.Data, result.Data);
        var node = Graph.Track(result, "StdBackward", Derivatives.Std, variance);
        if (node is not null) node.Output = result;
        return result;
    }

    /// <summary>
    /// The vector p-norm over <paramref name="dims"/> (all when null or empty): (Σ|x|^p)^(1/p), the largest
    /// |x| for p = ∞, the count of nonzeros for p = 0. The gradient of the 2-norm at the zero vector is 0, as in PyTorch.
    /// </summary>
    public Tensor Norm(float p = 2, int[]? dims = null, bool keepDim = false)
    {
        if (float.IsNaN(p) || p < 0)
            throw new ArgumentOutOfRangeException(nameof(p), $"Norm order p must be ≥ 0 (or +∞), got {p}.");
        var normalized = NormalizeDims(dims ?? []);
        Tensor result;
        using (Differentiation.Autograd.NoGrad())
        {
            var abs = Abs();
            result = p switch
            {
                2f => Square().Sum(normalized, keepDim).Sqrt(),
                1f => abs.Sum(normalized, keepDim),
                0f => Ne(0f).Sum(normalized, keepDim),
                float.PositiveInfinity => abs.Amax(normalized, keepDim),
                _ => abs.Pow(p).Sum(normalized, keepDim).Pow(1f / p),
            };
        }
        result = result.Detach();
        var node = Graph.Track(result, "NormBackward", Derivatives.Norm, this);
        if (node is not null)
        {
            node.State = new NormState(p, normalized, KeepDimShape(normalized));
            node.Output = result;
        }
        return result;
    }

    /// <summary>ln Σ e^x over <paramref name="dims"/> (all when empty), computed stably by subtracting the maximum first.</summary>
    public Tensor LogSumExp(int[] dims, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var normalized = NormalizeDims(dims);
        Tensor result;
        using (Differentiation.Autograd.NoGrad())
        {
            var max = Amax(normalized, keepDim: true);
            var m = max.Data;
            for (int i = 0; i < m.Length; i++) if (float.IsInfinity(m[i])) m[i] = 0f;
            var summed = (this - max).Exp().Sum(normalized, keepDim: true).Log() + max;
            result = keepDim ? summed : summed.Reshape(DropDims(summed._shape, normalized));
        }
        result = result.Detach();
        var node = Graph.Track(result, "LogSumExpBackward", Derivatives.LogSumExp, this);
        if (node is not null)
        {
            node.State = new ReduceState(normalized, KeepDimShape(normalized));
            node.Output = result;
        }
        return result;
    }

    /// <summary>ln Σ e^x over one dimension, computed stably.</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>This tensor's shape with the (normalized) <paramref name="dims"/> set to one.</summary>
    internal int[] KeepDimShape(int[] dims)
    {
        var shape = (int[])_shape.Clone();
        foreach (int d in dims) shape[d] = 1;
        return shape;
    }

    /// <summary>Sorted, distinct, non-negative dims; an empty list means every dim (as in PyTorch).</summary>
    internal int[] NormalizeDims(int[] dims)
    {
        if (dims.Length == 0 || Rank == 0)
        {
            var all = new int[Rank];
            for (int i = 0; i < all.Length; i++) all[i] = i;
            if (Rank == 0) foreach (int d in dims) ShapeUtil.NormalizeDim(d, 0);
            return all;
        }
        var result = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) result[i] = ShapeUtil.NormalizeDim(dims[i], Rank);
        Array.Sort(result);
        for (int i = 1; i < result.Length; i++)
        {
            if (result[i] == result[i - 1]) throw new ArgumentException($"Dimension {result[i]} appears more than once in [{string.Join(", ", dims)}].");
        }
        return result;
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
