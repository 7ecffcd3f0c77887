using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>The logarithm of <see cref="Softmax"/> along <see cref="Dim"/>, computed stably (PyTorch's <c>nn.LogSoftmax</c>).</summary>
/// <param name="dim">The dimension to normalise along.</param>
public sealed class LogSoftmax(int dim) : Module<Tensor, Tensor>
{
    /// <summary>The dimension to normalise along.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.LogSoftmax(Dim);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"dim={Dim}";
}
