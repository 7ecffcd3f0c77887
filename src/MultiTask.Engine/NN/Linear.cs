using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// A fully connected layer y = x·Wᵀ + b (PyTorch's <c>nn.Linear</c>), applied over the last dimension
/// of an input of any rank.
/// </summary>
/// <remarks>
/// Initialised as PyTorch does: W ~ kaiming_uniform(a = √5), i.e. U(-1/√in, 1/√in), and b ~ U(-1/√in, 1/√in).
/// </remarks>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="inFeatures">The size of the input's last dimension.</param>
    /// <param name="outFeatures">The size of the output's last dimension.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="generator">The random source for initialisation (default <see cref="Generator.Default"/>).</param>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegative(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Register("weight", new Parameter(Tensor.Zeros(outFeatures, inFeatures)));
        if (bias) Bias = Register("bias", new Parameter(Tensor.Zeros(outFeatures)));
        ResetParameters(generator);
    }

    /// <summary>The number of input features.</summary>
    public int InFeatures { get; }

    /// <summary>The number of output features.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, shape [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias, shape [out], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>Re-draws the weight and bias with PyTorch's default initialisation.</summary>
    public void ResetParameters(Generator? generator = null)
    {
        Init.KaimingUniform(Weight, a: Math.Sqrt(5), generator: generator);
        if (Bias is not null)
        {
            double bound = InFeatures > 0 ? 1 / Math.Sqrt(InFeatures) : 0;
            Init.Uniform(Bias, -bound, bound, generator);
        }
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        CheckInput(input);
        return Tensor.Linear(input, Weight, Bias);
    }

    /// <summary>relu(Forward(input)) as one recorded operation (see <see cref="Tensor.LinearRelu"/>).</summary>
    internal Tensor ForwardRelu(Tensor input)
    {
        CheckInput(input);
        return Tensor.LinearRelu(input, Weight, Bias);
    }

    private void CheckInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank == 0 || input.Shape[^1] != InFeatures)
            throw new ArgumentException(
                $"Linear expects inputs whose last dimension is {InFeatures}, got shape {ShapeUtil.Format(input.ShapeArray)}.", nameof(input));
    }

    /// <inheritdoc />
    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is not null ? "True" : "False")}";
}
