using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// The gate of Ma et al.'s MMoE: g(x) = softmax(W·x + b), a dense mixture over all experts whose rows sum
/// to 1. Its Linear is named <c>linear</c> (<c>linear.weight</c> [experts, input], <c>linear.bias</c>).
/// </summary>
/// <remarks>
/// Ma, Zhao, Yi, Chen, Hong &amp; Chi, "Modeling Task Relationships in Multi-task Learning with Multi-gate
/// Mixture-of-Experts", KDD 2018. The Linear is initialised as PyTorch's <c>nn.Linear</c>.
/// </remarks>
public sealed class SoftmaxGate : ExpertGate
{
    /// <summary>Creates the gate with a freshly initialised Linear.</summary>
    /// <param name="inputSize">The width of the gate's input.</param>
    /// <param name="expertCount">The number of experts it mixes.</param>
    /// <param name="generator">The seeded source for initialisation.</param>
    public SoftmaxGate(int inputSize, int expertCount, Generator? generator = null)
        : this(new Linear(inputSize, expertCount, generator: generator))
    {
    }

    /// <summary>Creates the gate around a Linear of [input] → [experts].</summary>
    /// <param name="linear">The Linear whose outputs are the logits.</param>
    public SoftmaxGate(Linear linear)
        : base((linear ?? throw new ArgumentNullException(nameof(linear))).InFeatures, linear.OutFeatures)
    {
        Linear = Register("linear", linear);
    }

    /// <summary>The Linear that computes the logits.</summary>
    public Linear Linear { get; }

    /// <summary>The mixture weights softmax(W·x + b).</summary>
    /// <param name="input">[batch, <see cref="ExpertGate.InputSize"/>].</param>
    /// <returns>[batch, <see cref="ExpertGate.ExpertCount"/>], rows summing to 1.</returns>
    public override Tensor Forward(Tensor input)
    {
        CheckInput(input);
        return Linear.Forward(input).Softmax(-1);
    }

    /// <inheritdoc />
    protected override string ExtraRepr() => $"in={InputSize}, experts={ExpertCount}";
}
