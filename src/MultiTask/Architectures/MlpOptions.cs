using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// How the built-in architectures build their multilayer perceptrons from hidden sizes: each hidden
/// layer is <c>Linear → [LayerNorm] → activation → [Dropout]</c>; an output layer is a plain <c>Linear</c>.
/// </summary>
public sealed record MlpOptions
{
    /// <summary>Creates the activation of each hidden layer; null for <see cref="ReLU"/>.</summary>
    public Func<Module<Tensor, Tensor>>? Activation { get; init; }

    /// <summary>The dropout probability after each hidden activation; 0 (the default) for none.</summary>
    public float Dropout { get; init; }

    /// <summary>Whether to normalise each hidden layer's pre-activation with <see cref="LayerNorm"/>.</summary>
    public bool LayerNorm { get; init; }

    internal void Validate()
    {
        if (!(Dropout >= 0f && Dropout < 1f))
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"MlpOptions.Dropout must be in [0, 1), got {Dropout}.");
    }

    /// <summary>Appends the hidden layers to <paramref name="into"/>; returns the final width.</summary>
    internal int AddHidden(Sequential into, int inputSize, IReadOnlyList<int> hidden, Generator? generator, string what)
    {
        int width = inputSize;
        for (int i = 0; i < hidden.Count; i++)
        {
            AddLayer(into, width, hidden[i], generator, what, i);
            width = hidden[i];
        }
        return width;
    }

    /// <summary>Appends one hidden layer (<c>Linear → [LayerNorm] → activation → [Dropout]</c>) of width <paramref name="width"/>.</summary>
    internal void AddLayer(Sequential into, int inputSize, int width, Generator? generator, string what, int index)
    {
        if (width <= 0)
            throw new ArgumentOutOfRangeException(what, width, $"The {what} hidden sizes must be positive; layer {index} has size {width}.");
        into.Add(new Linear(inputSize, width, generator: generator));
        if (LayerNorm) into.Add(new LayerNorm(width));
        into.Add(Activation is null ? new ReLU()
            : Activation() ?? throw new InvalidOperationException("MlpOptions.Activation returned null; it must create a new module on each call."));
        if (Dropout > 0f) into.Add(new Dropout(Dropout, generator));
    }
}
