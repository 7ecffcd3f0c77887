using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Tensors;

public partial class Tensor
{
    /// <summary>
    /// The same data with a new shape (a view sharing storage); one dimension may be -1 to be inferred.
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        var target = InferShape(shape);
        if (ShapeUtil.SameShape(target, _shape)) return AliasWithGrad();
        var result = new Tensor(Data, target);
        var node = Graph.Track(result, "ReshapeBackward", Derivatives.Reshape, this);
        if (node is not null) node.State = new InputShape(_shape);
        return result;
    }

    /// <summary>Same as <see cref="Reshape"/> (PyTorch's <c>view</c>; every tensor here is contiguous).</summary>
    public Tensor View(params int[] shape) => Reshape(shape);

    /// <summary>Reshapes to the shape of <paramref name="other"/>.</summary>
    public Tensor ViewAs(Tensor other) => Reshape(other._shape);

    /// <summary>Flattens dimensions <paramref name="startDim"/> to <paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = ShapeUtil.NormalizeDim(startDim, Rank), e = ShapeUtil.NormalizeDim(endDim, Rank);
        if (s > e) throw new ArgumentException($"Flatten: startDim ({startDim}) comes after endDim ({endDim}).");
        var shape = new List<int>();
        for (int d = 0; d < s; d++) shape.Add(_shape[d]);
        int merged = 1;
        for (int d = s; d <= e; d++) merged *= _shape[d];
        shape.Add(merged);
        for (int d = e + 1; d < Rank; d++) shape.Add(_shape[d]);
        return Reshape([.. shape]);
    }

    /// <summary>Inserts a dimension of size one at <paramref name="dim"/>.</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank + 1);
        var shape = new int[Rank + 1];
        for (int i = 0, j = 0; i < shape.Length; i++) shape[i] = i == d ? 1 : _shape[j++];
        return Reshape(shape);
    }

    /// <summary>Removes every dimension of size one.</summary>
    public Tensor Squeeze() => Reshape(_shape.Where(s => s != 1).ToArray());

    /// <summary>Removes dimension <paramref name="dim"/> if its size is one (otherwise returns the tensor unchanged, as PyTorch does).</summary>
    public Tensor Squeeze(int dim)
    {
        if (Rank == 0) return this;
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        if (_shape[d] != 1) return this;
        var shape = new int[Rank - 1];
        for (int i = 0, j = 0; i < Rank; i++) if (i != d) shape[j++] = _shape[i];
        return Reshape(shape);
    }

    /// <summary>Reorders the dimensions (a copy).</summary>
    public Tensor Permute(params int[] dims)
    {
        if (dims.Length != Rank)
            throw new ArgumentException($"Permute got {dims.Length} dims for a tensor of rank {Rank}.");
        var perm = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            perm[i] = ShapeUtil.NormalizeDim(dims[i], Rank);
            if (seen[perm[i]]) throw new ArgumentException($"Permute: dimension {dims[i]} is repeated in [{string.Join(", ", dims)}].");
            seen[perm[i]] = true;
        }
        var result = new Tensor(Kernels.ShapeKernels.Permute(Data, _shape, perm, out var outShape), outShape);
        var node = Graph.Track(result, "PermuteBackward", Derivatives.Permute, this);
        if (node is not null) node.State = new PermuteState(perm);
        return result;
    }

    /// <summary>Swaps two dimensions (a copy).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        if (Rank == 0) return AliasWithGrad();
        int a = ShapeUtil.NormalizeDim(dim0, Rank), b = ShapeUtil.NormalizeDim(dim1, Rank);
        if (a == b) return this;
        var perm = Enumerable.Range(0, Rank).ToArray();
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>The transpose of a matrix (rank ≤ 2).</summary>
    public Tensor T
    {
        get
        {
            if (Rank > 2) throw new InvalidOperationException($"T expects a tensor of rank ≤ 2, got shape {ShapeUtil.Format(_shape)}; use Transpose(dim0, dim1) or Permute.");
            return Rank < 2 ? this : Transpose(0, 1);
        }
    }

    /// <summary>
    /// Broadcasts to a larger shape (a copy); -1 keeps a dimension's size. Sizes of one may grow and new
    /// leading dimensions may be added.
    /// </summary>
    public Tensor Expand(params int[] shape)
    {
        var target = (int[])shape.Clone();
        int offset = target.Length - Rank;
        if (offset < 0) throw new ArgumentException($"Expand: the target shape {ShapeUtil.Format(shape)} has fewer dimensions than {ShapeUtil.Format(_shape)}.");
        for (int d = 0; d < target.Length; d++)
        {
            int src = d >= offset ? _shape[d - offset] : 1;
            if (target[d] == -1)
            {
                if (d < offset) throw new ArgumentException("Expand: -1 is not allowed for a new leading dimension.");
                target[d] = src;
            }
            if (src != 1 && src != target[d])
                throw new ArgumentException($"Expand: cannot expand size {src} to {target[d]} at dimension {d} (shape {ShapeUtil.Format(_shape)} to {ShapeUtil.Format(shape)}).");
        }
        if (ShapeUtil.SameShape(target, _shape)) return AliasWithGrad();
        var data = Kernels.BinaryKernels.Apply<Kernels.AddOperator>(Data, _shape, new float[ShapeUtil.Numel(target)], target, out _);
        var result = new Tensor(data, target);
        var node = Graph.Track(result, "ExpandBackward", Derivatives.SumToInput, this);
        if (node is not null) node.State = new InputShape(_shape);
        return result;
    }

    /// <summary>Broadcasts to the shape of <paramref name="other"/>.</summary>
    public Tensor ExpandAs(Tensor other) => Expand(other._shape);

    /// <summary>Sums a broadcast gradient back down to <paramref name="shape"/> (the inverse of broadcasting).</summary>
    internal Tensor SumToShape(int[] shape)
    {
        if (ShapeUtil.SameShape(shape, _shape)) return this;
        int lead = Rank - shape.Length;
        var dims = new List<int>();
        for (int d = 0; d < Rank; d++)
        {
            if (d < lead || (shape[d - lead] == 1 && _shape[d] != 1)) dims.Add(d);
        }
        var summed = dims.Count == 0 ? this : Sum([.. dims], keepDim: true);
        return summed.Reshape(shape);
    }

    /// <summary>A view of this tensor with the same shape, connected to the graph.</summary>
    private Tensor AliasWithGrad()
    {
        var result = new Tensor(Data, _shape);
        Graph.Track(result, "AliasBackward", Derivatives.Identity, this);
        return result;
    }

    private int[] InferShape(int[] shape)
    {
        var target = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int d = 0; d < target.Length; d++)
        {
            if (target[d] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Reshape: only one dimension can be -1 in {ShapeUtil.Format(shape)}.");
                infer = d;
            }
            else if (target[d] < 0) throw new ArgumentException($"Reshape: invalid size {target[d]} in {ShapeUtil.Format(shape)}.");
            else known *= target[d];
        }
        if (infer >= 0)
        {
            if (known == 0 || Numel % known != 0)
                throw new ArgumentException($"Reshape: shape {ShapeUtil.Format(shape)} is invalid for a tensor of {Numel} elements (shape {ShapeUtil.Format(_shape)}).");
            target[infer] = (int)(Numel / known);
        }
        else if (known != Numel)
        {
            throw new ArgumentException($"Reshape: shape {ShapeUtil.Format(shape)} is invalid for a tensor of {Numel} elements (shape {ShapeUtil.Format(_shape)}).");
        }
        return target;
    }
}
