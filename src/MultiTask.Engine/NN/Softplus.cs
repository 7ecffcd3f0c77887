using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// log(1 + e^(βx)) / β, a smooth Relu (PyTorch's <c>nn.Softplus</c>); where βx &gt; threshold it returns x.
/// </summary>
/// <param name="beta">The sharpness β.</param>
/// <param name="threshold">Above this value of βx the function is linear, for stability.</param>
public sealed class Softplus(float beta = 1f, float threshold = 20f) : Module<Tensor, Tensor>
{
    /// <summary>The sharpness β.</summary>
    public float Beta { get; } = beta;

    /// <summary>The value of βx above which the function is linear.</summary>
    public float Threshold { get; } = threshold;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Softplus(Beta, Threshold);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"beta={Beta}, threshold={Threshold}";
}
