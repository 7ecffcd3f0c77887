using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>x for x &gt; 0, else α·(eˣ - 1) (PyTorch's <c>nn.ELU</c>).</summary>
/// <param name="alpha">The saturation value α for negative inputs.</param>
public sealed class Elu(float alpha = 1f) : Module<Tensor, Tensor>
{
    /// <summary>The saturation value for negative inputs.</summary>
    public float Alpha { get; } = alpha;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Elu(Alpha);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"alpha={Alpha}";
}
