using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// The gate of a mixture of experts: maps the gate's input [batch, <see cref="InputSize"/>] to mixture
/// weights [batch, <see cref="ExpertCount"/>], non-negative and summing to at most 1 per row, with which an
/// expert model (<see cref="MmoeModel"/>, <see cref="PleModel"/>) sums its experts' outputs.
/// </summary>
/// <remarks>
/// The built-in gates are <see cref="SoftmaxGate"/> (Ma et al., KDD 2018) and <see cref="DSelectKGate"/>
/// (Hazimeh et al., NeurIPS 2021). A gate of your own derives from this class; a gate that regularises
/// its weights returns the term from <see cref="Penalty"/>, which the model adds to its own.
/// </remarks>
public abstract class ExpertGate : Module<Tensor, Tensor>
{
    /// <summary>Records the gate's widths.</summary>
    /// <param name="inputSize">The width of the gate's input (positive).</param>
    /// <param name="expertCount">The number of experts it mixes (positive).</param>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive width or count.</exception>
    protected ExpertGate(int inputSize, int expertCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expertCount);
        InputSize = inputSize;
        ExpertCount = expertCount;
    }

    /// <summary>The width of the gate's input.</summary>
    public int InputSize { get; }

    /// <summary>The number of experts the gate mixes.</summary>
    public int ExpertCount { get; }

    /// <summary>A regularisation term of the gate (added to the model's <see cref="MultiTaskModel.Penalty"/>), or null for none.</summary>
    public virtual Tensor? Penalty() => null;

    /// <summary>Checks that <paramref name="input"/> is [batch, <see cref="InputSize"/>].</summary>
    /// <exception cref="ArgumentException">Another shape.</exception>
    protected void CheckInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2 || input.Shape[1] != InputSize)
            throw new ArgumentException(
                $"{GetType().Name} expects inputs of shape [batch, {InputSize}], got [{string.Join(", ", input.Shape)}].", nameof(input));
    }

    /// <summary>Builds the gate of <paramref name="kind"/> for an expert model's factory.</summary>
    internal static ExpertGate Create(ExpertGateKind kind, DSelectKOptions dselect, int inputSize, int expertCount, Generator? generator) => kind switch
    {
        ExpertGateKind.Softmax => new SoftmaxGate(inputSize, expertCount, generator),
        ExpertGateKind.DSelectK => new DSelectKGate(inputSize, expertCount, dselect, generator),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown ExpertGateKind."),
    };

    /// <summary>Sums the experts' outputs [batch, experts, width] with the weights [batch, experts] into [batch, width].</summary>
    // A batched [1, experts]·[experts, width] product per row: no [batch, experts, width] temporaries forward or backward.
    internal static Tensor Mix(Tensor experts, Tensor weights) => weights.Unsqueeze(1).MatMul(experts).Squeeze(1);
}
