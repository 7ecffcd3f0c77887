using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>Normalises exponentials along <see cref="Dim"/> to sum to one (PyTorch's <c>nn.Softmax</c>).</summary>
/// <param name="dim">The dimension to normalise along.</param>
public sealed class Softmax(int dim) : Module<Tensor, Tensor>
{
    /// <summary>The dimension to normalise along.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Softmax(Dim);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"dim={Dim}";
}
