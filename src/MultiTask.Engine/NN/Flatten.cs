using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// Flattens dimensions <see cref="StartDim"/>..<see cref="EndDim"/> into one (PyTorch's <c>nn.Flatten</c>);
/// the defaults keep the batch dimension.
/// </summary>
/// <param name="startDim">The first flattened dimension (default 1).</param>
/// <param name="endDim">The last flattened dimension (default -1).</param>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module<Tensor, Tensor>
{
    /// <summary>The first flattened dimension.</summary>
    public int StartDim { get; } = startDim;

    /// <summary>The last flattened dimension.</summary>
    public int EndDim { get; } = endDim;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}
