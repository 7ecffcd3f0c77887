using System.Globalization;
using System.Text;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Tensors;

/// <summary>
/// A dense, contiguous, row-major float32 array of any rank that records the operations applied to
/// it so that gradients can be computed by reverse-mode automatic differentiation (PyTorch's
/// <c>torch.Tensor</c>).
/// </summary>
/// <remarks>
/// Every operation returns a new contiguous tensor; only <see cref="Reshape"/> (and the methods built
/// on it) shares storage with its input, as a view. Integer data (indices, class labels) is held as
/// float32 values, which are exact up to 2^24.
/// </remarks>
public partial class Tensor
{
    internal readonly float[] Data;
    private readonly int[] _shape;
    private bool _requiresGrad;
    private bool _retainsGrad;
    private bool _exclusiveGradient;
    private bool _heldOutside;
    private Tensor? _grad;
    private int _graphReaders;
    private bool _releaseAfterBackward;

    internal Tensor(float[] data, int[] shape)
    {
        _shape = shape;
        Data = data;
        if (data.Length != ShapeUtil.Numel(shape))
            throw new ArgumentException(
                $"Data holds {data.Length} values but shape {ShapeUtil.Format(shape)} needs {ShapeUtil.Numel(shape)}.");
    }

    /// <summary>Creates a tensor that shares <paramref name="source"/>'s storage (used by parameters).</summary>
    /// <param name="source">The tensor whose storage and shape are taken.</param>
    protected Tensor(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Data = source.Data;
        _shape = source._shape;
    }

    /// <summary>The size of each dimension.</summary>
    public IReadOnlyList<int> Shape => _shape;

    internal int[] ShapeArray => _shape;

    /// <summary>The number of dimensions (PyTorch's <c>dim()</c>).</summary>
    public int Rank => _shape.Length;

    /// <summary>The total number of elements.</summary>
    public int Numel => Data.Length;

    /// <summary>The size of dimension <paramref name="dim"/>; negative values count from the end.</summary>
    public int Size(int dim) => _shape[ShapeUtil.NormalizeDim(dim, _shape.Length)];

    /// <summary>
    /// Whether operations on this tensor are recorded for differentiation. Only leaf tensors (those
    /// not produced by a recorded operation) may change it.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (GradFn is not null && !value)
                throw new InvalidOperationException(
                    "RequiresGrad can only be changed on leaf tensors; call Detach() to get a tensor that does not require grad.");
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient of a leaf (or of a tensor that called <see cref="RetainGrad"/>), or null.</summary>
    public Tensor? Grad
    {
        // Code outside the engine may keep what it reads or sets here, so such a gradient's storage is never reused.
        get => _grad?.MarkHeldOutside();
        set => _grad = value?.MarkHeldOutside();
    }

    /// <summary>
    /// <see cref="Grad"/> for the engine's own code (backward, optimizers, clipping), which never keeps it: reading it here
    /// leaves the gradient's storage reusable once <see cref="Optim.Optimizer.ZeroGrad"/> drops it.
    /// </summary>
    internal Tensor? GradValue
    {
        get => _grad;
        set => _grad = value;
    }

    /// <summary>
    /// Sets <see cref="Grad"/> to null; a gradient the engine made and no outside code received is unreachable then, so
    /// the next backward can write into its storage instead of a fresh array.
    /// </summary>
    internal void DropGrad()
    {
        if (_grad is not { } grad) return;
        _grad = null;
        if (!grad._heldOutside && grad.GradFn is null) ScratchBuffers.Return(grad.Data);
    }

    /// <summary>
    /// Declares that from now on only the recorded graph reads this tensor: once backward has freed every operation that
    /// recorded it (as an input or a saved output), its storage is reused for later results, as an intermediate
    /// activation's memory is in PyTorch when its last reference goes. Models call this on results they made and passed
    /// only to modules that keep no reference (the engine's own layers); no-op when no recorded operation reads it.
    /// </summary>
    /// <remarks>
    /// Afterwards the tensor's values must not be read (through <see cref="Node.Inputs"/> either) once a backward pass
    /// without <c>retainGraph</c> has run through it. Storage shared with another tensor (a view) must not be released.
    /// </remarks>
    public void ReleaseAfterBackward()
    {
        if (_graphReaders > 0 && GradFn is not null) _releaseAfterBackward = true;
    }

    /// <summary>A recorded operation now reads this tensor.</summary>
    internal void AddGraphReader() => _graphReaders++;

    /// <summary>A recorded operation that read this tensor was freed by backward.</summary>
    internal void RemoveGraphReader()
    {
        if (--_graphReaders == 0 && _releaseAfterBackward)
        {
            _releaseAfterBackward = false;
            ScratchBuffers.Return(Data);
        }
    }

    private Tensor MarkHeldOutside()
    {
        _heldOutside = true;
        return this;
    }

    /// <summary>The operation that produced this tensor, or null for a leaf.</summary>
    public Node? GradFn { get; internal set; }

    /// <summary>True when this tensor was not produced by a recorded operation.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>True when <see cref="RetainGrad"/> asked a non-leaf tensor to keep its gradient.</summary>
    public bool RetainsGrad => _retainsGrad;

    /// <summary>Asks a non-leaf tensor to keep its gradient in <see cref="Grad"/> during backward.</summary>
    public void RetainGrad()
    {
        if (!_requiresGrad)
            throw new InvalidOperationException("RetainGrad() was called on a tensor that does not require grad.");
        if (GradFn is not null)
            _retainsGrad = true;
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (PyTorch's <c>requires_grad_()</c>).</summary>
    public Tensor RequireGrad(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>
    /// Computes the gradient of this tensor with respect to the graph leaves and accumulates it into
    /// their <see cref="Grad"/>.
    /// </summary>
    /// <param name="gradient">The gradient of the final objective with respect to this tensor; may be omitted for a one-element tensor.</param>
    /// <param name="retainGraph">Keep the graph so that backward can run through it again.</param>
    /// <param name="createGraph">Record the backward pass itself so that higher-order gradients can be taken.</param>
    public void Backward(Tensor? gradient = null, bool? retainGraph = null, bool createGraph = false) =>
        GradEngine.Backward([this], gradient is null ? null : [gradient], retainGraph ?? createGraph, createGraph);

    /// <summary>
    /// Marks a gradient just computed by a backward kernel and handed to exactly one input, so that a
    /// leaf receiving it first may keep it as its <see cref="Grad"/> instead of a defensive copy.
    /// </summary>
    internal Tensor MarkExclusiveGradient()
    {
        _exclusiveGradient = true;
        return this;
    }

    /// <summary>Whether this tensor carries the mark of <see cref="MarkExclusiveGradient"/>.</summary>
    internal bool IsExclusiveGradient => _exclusiveGradient;

    /// <summary>True (once) when this tensor was marked by <see cref="MarkExclusiveGradient"/>; clears the mark.</summary>
    internal bool TakeExclusiveGradient()
    {
        bool was = _exclusiveGradient;
        _exclusiveGradient = false;
        return was;
    }

    /// <summary>Returns a tensor sharing this tensor's data that is cut from the graph.</summary>
    public Tensor Detach() => new(Data, _shape);

    /// <summary>Returns a deep copy (PyTorch's <c>clone()</c>); gradients flow back to this tensor.</summary>
    public Tensor Clone() => CloneCore();

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Data.Length != 1)
            throw new InvalidOperationException(
                $"Item() needs a tensor with exactly one element, but this one has shape {ShapeUtil.Format(_shape)} ({Data.Length} elements).");
        return Data[0];
    }

    /// <summary>Copies the elements, in row-major order, into a new array.</summary>
    public float[] ToArray() => (float[])Data.Clone();

    /// <summary>
    /// The elements in row-major order, writable in place. Writes bypass autograd (like PyTorch's
    /// <c>tensor.data</c>) and are seen by every view sharing this storage.
    /// </summary>
    public Span<float> AsSpan() => Data;

    /// <summary>Gets or sets one element; the indices may be negative to count from the end.</summary>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public float this[params int[] indices]
    {
        get => Data[FlatIndex(indices)];
        set => Data[FlatIndex(indices)] = value;
    }

    private int FlatIndex(int[] indices)
    {
        if (indices.Length != _shape.Length)
            throw new ArgumentException(
                $"Got {indices.Length} indices for a tensor of rank {_shape.Length} (shape {ShapeUtil.Format(_shape)}).");
        int flat = 0;
        for (int d = 0; d < indices.Length; d++)
        {
            int i = indices[d] < 0 ? indices[d] + _shape[d] : indices[d];
            if ((uint)i >= (uint)_shape[d])
                throw new IndexOutOfRangeException(
                    $"Index {indices[d]} is out of range for dimension {d} of size {_shape[d]}.");
            flat = flat * _shape[d] + i;
        }
        return flat;
    }

    /// <summary>A readable rendering of the shape and (up to 64) values.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Tensor(").Append(ShapeUtil.Format(_shape)).Append(", [");
        int n = Math.Min(Data.Length, 64);
        for (int i = 0; i < n; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Data[i].ToString("G6", CultureInfo.InvariantCulture));
        }
        if (Data.Length > n) sb.Append(", ...");
        sb.Append(']');
        if (GradFn is not null) sb.Append(", GradFn=").Append(GradFn.Name);
        else if (_requiresGrad) sb.Append(", RequiresGrad=true");
        return sb.Append(')').ToString();
    }
}
