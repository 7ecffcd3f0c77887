using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Differentiation;

/// <summary>
/// Computes the gradients of a node's inputs from the gradient of its output. Returns one entry per
/// input; an entry may be null when <see cref="Node.NeedsGrad"/> is false for that input.
/// </summary>
internal delegate Tensor?[] BackwardRule(Node node, Tensor grad);

/// <summary>
/// One recorded operation in the autograd graph (PyTorch's <c>grad_fn</c>): its inputs, what it saved
/// for the backward pass, and its backward rule (all rules live in <c>Derivatives</c>).
/// </summary>
public sealed class Node
{
    private readonly BackwardRule _rule;
    private readonly Tensor[] _inputs;
    private bool _released;
    private Tensor? _output;

    internal Node(string name, BackwardRule rule, Tensor[] inputs)
    {
        Name = name;
        _rule = rule;
        _inputs = inputs;
        foreach (var input in inputs) input.AddGraphReader();
    }

    /// <summary>The operation's name, e.g. <c>MulBackward</c>.</summary>
    public string Name { get; }

    /// <summary>The tensors the operation consumed.</summary>
    public IReadOnlyList<Tensor> Inputs => _inputs;

    internal Tensor Input(int i) => _inputs[i];

    internal int InputCount => _inputs.Length;

    /// <summary>The operation's output, saved when the backward rule needs it (e.g. exp, sigmoid).</summary>
    internal Tensor? Output
    {
        get => _output;
        set
        {
            _output?.RemoveGraphReader();
            value?.AddGraphReader();
            _output = value;
        }
    }

    /// <summary>Extra tensors the rule needs (e.g. a mask).</summary>
    internal Tensor? Saved { get; set; }

    /// <summary>The operation's arguments its rule needs (dims, shapes, exponents), as one of the records of BackwardState.cs.</summary>
    internal object? State { get; set; }

    /// <summary><see cref="State"/> as the record the rule expects.</summary>
    internal T StateAs<T>() where T : class => (T)State!;

    /// <summary>Whether input <paramref name="i"/> needs a gradient.</summary>
    internal bool NeedsGrad(int i) => _inputs[i].RequiresGrad;

    internal Tensor?[] Apply(Tensor grad)
    {
        if (_released)
            throw new InvalidOperationException(
                $"Trying to backward through the graph a second time (at {Name}): its saved values were freed " +
                "after the first backward. Pass retainGraph: true to the first Backward() or Autograd.Grad() call " +
                "if you need to backward twice.");
        return _rule(this, grad);
    }

    internal void Release()
    {
        if (_released) return;
        _released = true;
        Output = null;
        Saved = null;
        foreach (var input in _inputs) input.RemoveGraphReader();
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
