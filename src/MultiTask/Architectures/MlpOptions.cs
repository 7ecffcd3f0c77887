using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// How the built-in architectures build their multilayer perceptrons from hidden sizes: each hidden
/// layer is <c>Linear → [LayerNorm] → activation → [Dropout]</c>; an output layer is a plain <c>Linear</c>.
/// <see cref="Build"/> and <see cref="AddHidden(Sequential, int, IReadOnlyList{int}, Generator)"/> build
/// the same networks for architectures of your own.
/// </summary>
public sealed record MlpOptions
{
    /// <summary>Creates the activation of each hidden layer; null for <see cref="Relu"/>.</summary>
    public Func<Module<Tensor, Tensor>>? Activation { get; init; }

    /// <summary>The dropout probability after each hidden activation; 0 (the default) for none.</summary>
    public float Dropout { get; init; }

    /// <summary>Whether to normalise each hidden layer's pre-activation with <see cref="LayerNorm"/>.</summary>
    public bool LayerNorm { get; init; }

    /// <summary>
    /// Builds a multilayer perceptron: one hidden layer per entry of <paramref name="hidden"/>
    /// (<c>Linear → [LayerNorm] → activation → [Dropout]</c>), then, when <paramref name="outputSize"/> is
    /// given, a plain output <c>Linear</c>. Modules are named by position ("0", "1", …) as in PyTorch.
    /// </summary>
    /// <param name="inputSize">The width of the input.</param>
    /// <param name="hidden">The hidden widths, e.g. <c>[64, 64]</c>; empty for none.</param>
    /// <param name="outputSize">The width of the output layer; null to end with the last hidden layer.</param>
    /// <param name="generator">The seeded source for weight initialisation and dropout.</param>
    /// <returns>The network; its output width is <paramref name="outputSize"/>, else the last hidden width, else <paramref name="inputSize"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive width, or an invalid <see cref="Dropout"/>.</exception>
    /// <example><c>var mlp = new MlpOptions { LayerNorm = true }.Build(10, [32, 16], outputSize: 1, generator: new Generator(1));</c></example>
    public Sequential Build(int inputSize, IReadOnlyList<int> hidden, int? outputSize = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        if (outputSize is <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, $"The MLP's output size must be positive, got {outputSize}.");
        Validate();
        var net = new Sequential();
        int width = AddHidden(net, inputSize, hidden, generator, nameof(hidden));
        if (outputSize is int size) net.Add(new Linear(width, size, generator: generator));
        return net;
    }

    /// <summary>
    /// Appends hidden layers (<c>Linear → [LayerNorm] → activation → [Dropout]</c> for each entry of
    /// <paramref name="hidden"/>) to <paramref name="into"/>, e.g. after an input layer of your own.
    /// </summary>
    /// <param name="into">The sequence to extend.</param>
    /// <param name="inputSize">The width entering the first appended layer.</param>
    /// <param name="hidden">The hidden widths.</param>
    /// <param name="generator">The seeded source for weight initialisation and dropout.</param>
    /// <returns>The width after the appended layers (<paramref name="inputSize"/> when <paramref name="hidden"/> is empty).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive width, or an invalid <see cref="Dropout"/>.</exception>
    public int AddHidden(Sequential into, int inputSize, IReadOnlyList<int> hidden, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        Validate();
        return AddHidden(into, inputSize, hidden, generator, nameof(hidden));
    }

    internal void Validate()
    {
        if (!(Dropout >= 0f && Dropout < 1f))
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"MlpOptions.Dropout must be in [0, 1), got {Dropout}.");
    }

    /// <summary>Appends the hidden layers to <paramref name="into"/>; returns the final width. <paramref name="what"/> names the sizes in errors.</summary>
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
        into.Add(Activation is null ? new Relu()
            : Activation() ?? throw new InvalidOperationException("MlpOptions.Activation returned null; it must create a new module on each call."));
        if (Dropout > 0f) into.Add(new Dropout(Dropout, generator));
    }
}
