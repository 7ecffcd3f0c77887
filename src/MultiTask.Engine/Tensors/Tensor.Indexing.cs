using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Kernels;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    /// <summary>
    /// The <paramref name="length"/> entries of dimension <paramref name="dim"/> starting at
    /// <paramref name="start"/> (negative counts from the end), as a copy.
    /// </summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        if (Rank == 0) throw new ArgumentException("Narrow needs a tensor of rank ≥ 1, got a scalar.");
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        int size = _shape[d];
        int s = start < 0 ? start + size : start;
        if (s < 0 || s > size)
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: start {start} is out of range for dimension {dim} of size {size}.");
        if (length < 0 || s + length > size)
            throw new ArgumentOutOfRangeException(nameof(length), $"Narrow: start {s} + length {length} exceeds dimension {dim} of size {size}.");
        var shape = (int[])_shape.Clone();
        shape[d] = length;
        var result = new Tensor(new float[ShapeUtil.Numel(shape)], shape);
        IndexKernels.CopyBlock(Data, _shape, s, result.Data, shape, 0, d, length, add: false);
        var node = Graph.Track(result, "NarrowBackward", Derivatives.Narrow, this);
        if (node is not null)
        {
            node.State = new NarrowState(d, s, _shape);
        }
        return result;
    }

    /// <summary>
    /// Entries <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive) of dimension
    /// <paramref name="dim"/>, like Python's <c>x[start:end]</c>: negative values count from the end and
    /// out-of-range bounds are clipped.
    /// </summary>
    public Tensor Slice(int dim, int start, int end)
    {
        if (Rank == 0) throw new ArgumentException("Slice needs a tensor of rank ≥ 1, got a scalar.");
        int size = Size(dim);
        int s = Math.Clamp(start < 0 ? start + size : start, 0, size);
        int e = Math.Clamp(end < 0 ? end + size : end, 0, size);
        return Narrow(dim, s, Math.Max(0, e - s));
    }

    /// <summary>Rows <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive) of the first dimension, e.g. a minibatch.</summary>
    public Tensor Rows(int start, int end) => Slice(0, start, end);

    /// <summary>The entries of dimension <paramref name="dim"/> at the positions in the 1-D (or scalar) <paramref name="index"/>; repeats allowed.</summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.Rank > 1)
            throw new ArgumentException($"IndexSelect: index must be a vector or a scalar, got shape {ShapeUtil.Format(index._shape)}.", nameof(index));
        int d = Rank == 0 ? 0 : ShapeUtil.NormalizeDim(dim, Rank);
        int size = Rank == 0 ? 1 : _shape[d];
        var ints = new int[index.Numel];
        for (int i = 0; i < ints.Length; i++) ints[i] = IndexKernels.CheckIndex(index.Data[i], d, size, "IndexSelect");
        return IndexSelectCore(d, ints);
    }

    /// <summary>The entries of dimension <paramref name="dim"/> at the positions in <paramref name="index"/>; repeats allowed.</summary>
    public Tensor IndexSelect(int dim, int[] index)
    {
        ArgumentNullException.ThrowIfNull(index);
        int d = Rank == 0 ? 0 : ShapeUtil.NormalizeDim(dim, Rank);
        int size = Rank == 0 ? 1 : _shape[d];
        foreach (int i in index) IndexKernels.CheckIndex(i, d, size, "IndexSelect");
        return IndexSelectCore(d, (int[])index.Clone());
    }

    private Tensor IndexSelectCore(int d, int[] index)
    {
        if (Rank == 0) return Reshape(1).IndexSelectCore(0, index).Reshape(index.Length == 1 ? [] : [index.Length]);
        var shape = (int[])_shape.Clone();
        shape[d] = index.Length;
        var result = new Tensor(new float[ShapeUtil.Numel(shape)], shape);
        IndexKernels.IndexCopy(Data, _shape, result.Data, shape, d, index, scatterAdd: false);
        var node = Graph.Track(result, "IndexSelectBackward", Derivatives.IndexSelect, this);
        if (node is not null)
        {
            node.State = new IndexSelectState(d, index, _shape);
        }
        return result;
    }

    /// <summary>A tensor of <paramref name="shape"/> that is zero except for this tensor added at <paramref name="index"/> along <paramref name="dim"/> (the adjoint of IndexSelect).</summary>
    internal Tensor IndexAddInto(int[] shape, int dim, int[] index)
    {
        var result = new Tensor(new float[ShapeUtil.Numel(shape)], shape);
        IndexKernels.IndexCopy(Data, _shape, result.Data, shape, dim, index, scatterAdd: true);
        var node = Graph.Track(result, "IndexAddBackward", Derivatives.IndexAdd, this);
        if (node is not null)
        {
            node.State = new IndexAddState(dim, index);
        }
        return result;
    }

    /// <summary>
    /// PyTorch's <c>gather</c>: out[i][j][k] = this[index[i][j][k]][j][k] for dim 0 (and likewise for other
    /// dims). <paramref name="index"/> has this tensor's rank and no dimension larger than this tensor's,
    /// except along <paramref name="dim"/>.
    /// </summary>
    public Tensor Gather(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (Rank == 0 && index.Rank == 0) return IndexSelect(0, index);
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        var ints = CheckGatherIndex(index, d, "Gather");
        var result = new Tensor(new float[index.Numel], index._shape);
        IndexKernels.GatherScatter(Data, _shape, result.Data, ints, index._shape, d, scatterAdd: false, "Gather");
        var node = Graph.Track(result, "GatherBackward", Derivatives.Gather, this);
        if (node is not null)
        {
            node.Saved = index.Detach();
            node.State = new GatherState(d, _shape);
        }
        return result;
    }

    /// <summary>A tensor of <paramref name="shape"/> that is zero except for this tensor scatter-added at <paramref name="index"/> along <paramref name="dim"/> (the adjoint of Gather).</summary>
    internal Tensor ScatterAddInto(int[] shape, int dim, Tensor index)
    {
        var result = new Tensor(new float[ShapeUtil.Numel(shape)], shape);
        var ints = new int[index.Numel];
        for (int i = 0; i < ints.Length; i++) ints[i] = (int)index.Data[i];
        IndexKernels.GatherScatter(result.Data, shape, Data, ints, index._shape, dim, scatterAdd: true, "ScatterAdd");
        var node = Graph.Track(result, "ScatterAddBackward", Derivatives.ScatterAdd, this);
        if (node is not null)
        {
            node.Saved = index;
            node.State = new ScatterAddState(dim);
        }
        return result;
    }

    private int[] CheckGatherIndex(Tensor index, int d, string op)
    {
        if (index.Rank != Rank)
            throw new ArgumentException($"{op}: index must have the same rank as the input ({Rank}), got index shape {ShapeUtil.Format(index._shape)} for input shape {ShapeUtil.Format(_shape)}.", nameof(index));
        for (int k = 0; k < Rank; k++)
        {
            if (k != d && index._shape[k] > _shape[k])
                throw new ArgumentException($"{op}: index size {index._shape[k]} exceeds the input size {_shape[k]} at dimension {k} (index shape {ShapeUtil.Format(index._shape)}, input shape {ShapeUtil.Format(_shape)}).", nameof(index));
        }
        var ints = new int[index.Numel];
        for (int i = 0; i < ints.Length; i++) ints[i] = IndexKernels.CheckIndex(index.Data[i], d, _shape[d], op);
        return ints;
    }

    /// <summary>A tensor of <paramref name="shape"/> that is zero except for this tensor placed at <paramref name="start"/> along <paramref name="dim"/> (the adjoint of Narrow).</summary>
    internal Tensor PadInto(int[] shape, int dim, int start)
    {
        var result = new Tensor(new float[ShapeUtil.Numel(shape)], shape);
        IndexKernels.CopyBlock(Data, _shape, 0, result.Data, shape, start, dim, _shape[dim], add: false);
        var node = Graph.Track(result, "PadBackward", Derivatives.Pad, this);
        if (node is not null) node.State = new PadState(dim, start, _shape[dim]);
        return result;
    }

    /// <summary>Joins tensors along an existing dimension; all other dimensions must match.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Cat needs at least one tensor.", nameof(tensors));
        var first = tensors[0];
        if (first.Rank == 0) throw new ArgumentException("Cat: zero-dimensional tensors cannot be concatenated; use Stack.", nameof(tensors));
        int d = ShapeUtil.NormalizeDim(dim, first.Rank);
        int total = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"Cat: tensor {i} is null.");
            bool ok = t.Rank == first.Rank;
            for (int k = 0; ok && k < t.Rank; k++) ok = k == d || t._shape[k] == first._shape[k];
            if (!ok)
                throw new ArgumentException(
                    $"Cat: tensor {i} has shape {ShapeUtil.Format(t._shape)}, which does not match tensor 0's shape {ShapeUtil.Format(first._shape)} outside dimension {dim}.", nameof(tensors));
            total += t._shape[d];
        }
        var shape = (int[])first._shape.Clone();
        shape[d] = total;
        var result = new Tensor(new float[ShapeUtil.Numel(shape)], shape);
        var inputs = new Tensor[tensors.Count];
        var sizes = new int[tensors.Count + 1];
        int offset = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            IndexKernels.CopyBlock(t.Data, t._shape, 0, result.Data, shape, offset, d, t._shape[d], add: false);
            inputs[i] = t;
            sizes[i + 1] = offset += t._shape[d];
        }
        var node = Graph.Track(result, "CatBackward", Derivatives.Cat, inputs);
        if (node is not null)
        {
            node.State = new CatState(d, sizes);
        }
        return result;
    }

    /// <summary>Joins same-shaped tensors along a new dimension <paramref name="dim"/>.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Stack needs at least one tensor.", nameof(tensors));
        var first = tensors[0];
        int d = ShapeUtil.NormalizeDim(dim, first.Rank + 1);
        var parts = new Tensor[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"Stack: tensor {i} is null.");
            if (!ShapeUtil.SameShape(t._shape, first._shape))
                throw new ArgumentException(
                    $"Stack: every tensor must have the same shape, but tensor {i} has shape {ShapeUtil.Format(t._shape)} and tensor 0 has {ShapeUtil.Format(first._shape)}.", nameof(tensors));
            parts[i] = t.Unsqueeze(d);
        }
        return Cat(parts, d);
    }
}
