using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// Hard parameter sharing: one backbone shared by all tasks, followed by one head per task.
/// Parameters are named <c>backbone.*</c> and <c>heads.&lt;task&gt;.*</c>.
/// </summary>
/// <remarks>
/// Caruana, "Multitask Learning", Machine Learning 28(1), 1997. The backbone is the shared
/// parameters; <see cref="MultiTaskModel.SharedRepresentation"/> is its output from the last forward pass.
/// Build it with <see cref="MultiTaskModel.HardSharing(int, IReadOnlyList{ValueTuple{string, int}}, int[], int[], MlpOptions, IReadOnlyDictionary{string, Module{Tensor, Tensor}}, Generator)"/>
/// or, for user modules, with this constructor.
/// </remarks>
public sealed class HardSharingModel : MultiTaskModel
{
    private readonly Module<Tensor, Tensor>[] _heads;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Parameter[] _lastShared;

    /// <summary>Creates the model from a backbone and one head per task.</summary>
    /// <param name="backbone">Maps [batch, features] to [batch, <paramref name="backboneOutputSize"/>]; registered as <c>backbone</c>.</param>
    /// <param name="backboneOutputSize">The width of the backbone's output.</param>
    /// <param name="heads">Per task: its name, output width, and a head mapping [batch, backboneOutputSize] to [batch, outputSize], registered as <c>heads.&lt;name&gt;</c>.</param>
    /// <param name="inputSize">The number of input features, if known, so that inputs are checked.</param>
    /// <exception cref="ArgumentException">Invalid tasks, or a head whose first layer is a <see cref="Linear"/> of another input width.</exception>
    public HardSharingModel(Module<Tensor, Tensor> backbone, int backboneOutputSize,
        IReadOnlyList<(string Name, int OutputSize, Module<Tensor, Tensor> Head)> heads, int? inputSize = null)
        : base((heads ?? throw new ArgumentNullException(nameof(heads))).Select(h => (h.Name, h.OutputSize)), inputSize)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(backboneOutputSize);
        if (inputSize is int f && FirstLinear(backbone) is { } first && first.InFeatures != f)
            throw new ArgumentException($"The backbone's first Linear takes {first.InFeatures} features but the input size is {f}.", nameof(backbone));
        BackboneOutputSize = backboneOutputSize;
        Backbone = Register("backbone", backbone);
        var dict = Register("heads", new ModuleDict());
        _heads = new Module<Tensor, Tensor>[heads.Count];
        for (int i = 0; i < heads.Count; i++)
        {
            var (name, _, head) = heads[i];
            if (head is null) throw new ArgumentException($"The head of task '{name}' is null.", nameof(heads));
            if (FirstLinear(head) is { } linear && linear.InFeatures != backboneOutputSize)
                throw new ArgumentException(
                    $"The head of task '{name}' starts with a Linear that takes {linear.InFeatures} features, but the backbone outputs {backboneOutputSize}; " +
                    "make the head's input width equal to the backbone's output width.", nameof(heads));
            dict.Add(name, head);
            _heads[i] = head;
            _index[name] = i;
        }
        var last = backbone.Modules().OfType<Linear>().LastOrDefault()
            ?? backbone.Modules().LastOrDefault(m => m.Parameters(recurse: false).Any());
        _lastShared = last?.Parameters(recurse: false).ToArray() ?? [];
    }

    /// <summary>The shared backbone.</summary>
    public Module<Tensor, Tensor> Backbone { get; }

    /// <summary>The width of the backbone's output, which every head reads.</summary>
    public int BackboneOutputSize { get; }

    /// <summary>The head of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public Module<Tensor, Tensor> Head(string task) => _heads[_index[CheckTask(task)]];

    /// <summary>The parameters of the backbone's last <see cref="Linear"/> (or, without one, of its last module that has parameters).</summary>
    public override IReadOnlyList<Parameter> LastSharedLayer => _lastShared;

    /// <inheritdoc />
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedSharedParameters() => ParametersUnder("backbone");

    /// <inheritdoc />
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedTaskParameters(string task) => ParametersUnder("heads." + CheckTask(task));

    /// <inheritdoc />
    public override TaskOutputs Forward(Tensor input)
    {
        var shared = Shared(input);
        var outputs = new List<KeyValuePair<string, Tensor>>(_heads.Length);
        for (int i = 0; i < _heads.Length; i++)
        {
            string task = TaskNames[i];
            var y = _heads[i].Forward(shared);
            CheckOutput(task, y, input.Shape[0]);
            outputs.Add(new(task, y));
        }
        return new TaskOutputs(outputs);
    }

    /// <inheritdoc />
    public override Tensor ForwardTask(Tensor inputs, string task)
    {
        int i = _index[CheckTask(task)];
        var y = _heads[i].Forward(Shared(inputs));
        CheckOutput(task, y, inputs.Shape[0]);
        return y;
    }

    private Tensor Shared(Tensor inputs)
    {
        CheckInputs(inputs);
        var z = Backbone.Forward(inputs);
        if (z.Rank != 2 || z.Shape[0] != inputs.Shape[0] || z.Shape[1] != BackboneOutputSize)
            throw new InvalidOperationException(
                $"The backbone returned shape [{string.Join(", ", z.Shape)}], but the model was built for a backbone output of [{inputs.Shape[0]}, {BackboneOutputSize}]; " +
                "pass the backbone's real output width as backboneOutputSize.");
        SharedRepresentation = z;
        return z;
    }

    /// <summary>The Linear that a module applies first, when that is unambiguous (the module itself, or the first element of nested Sequentials).</summary>
    private static Linear? FirstLinear(Module module)
    {
        while (true)
        {
            switch (module)
            {
                case Linear linear: return linear;
                case Sequential { Count: > 0 } seq: module = seq[0]; break;
                default: return null;
            }
        }
    }
}
