using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// A tensor that is a learnable weight of a <see cref="Module"/> (PyTorch's <c>nn.Parameter</c>):
/// a leaf that shares the storage of the tensor it wraps and requires grad by default.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>Wraps <paramref name="data"/> (sharing its storage) as a leaf parameter.</summary>
    /// <param name="data">The initial value; its storage is shared, not copied.</param>
    /// <param name="requiresGrad">Whether the parameter is trained (default true).</param>
    public Parameter(Tensor data, bool requiresGrad = true) : base(data) => RequiresGrad = requiresGrad;

    /// <inheritdoc />
    public override string ToString() => "Parameter " + base.ToString();
}
