using MultiTask.Engine.Differentiation;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// Hard parameter sharing: one backbone shared by all tasks, followed by one head per task, optionally
/// with a shared head that the task heads refine (residual heads) and a linear path from the inputs
/// (wide and deep). Parameters are named <c>backbone.*</c>, <c>shared_head.*</c>, <c>heads.&lt;task&gt;.*</c>,
/// <c>wide.*</c> and <c>wide_heads.&lt;task&gt;.*</c>.
/// </summary>
/// <remarks>
/// <para>
/// Caruana, "Multitask Learning", Machine Learning 28(1), 1997. With z = backbone(x), task t outputs
/// heads.t(z) [+ shared_head(z)] [+ wide(x_w)] [+ wide_heads.t(x_w)], where x_w are the
/// <see cref="WideColumns"/> of the input. The backbone, the shared head and the shared wide Linear are
/// the shared parameters; <c>heads.t</c> and <c>wide_heads.t</c> belong to task t.
/// <see cref="LastSharedParameters"/> is the backbone's last layer.
/// </para>
/// <para>
/// Residual heads follow the idea of ResNets' zero-initialised residual branches (Goyal et al., 2017):
/// with the task heads' output layers at zero, every task starts from the pooled prediction of the
/// shared head. The wide path is Cheng et al., "Wide &amp; Deep Learning for Recommender Systems", DLRS 2016.
/// Build the model with <see cref="Create"/> or, for user modules, with the constructor.
/// </para>
/// </remarks>
public sealed class HardSharingModel : MultiTaskModel
{
    private readonly Module<Tensor, Tensor>[] _heads;
    private readonly Linear?[] _wideHeads;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Parameter[] _lastShared;
    private readonly int[]? _wideColumns;
    private readonly bool _headsKeepNoInput;

    /// <summary>Creates the model from a backbone, one head per task and the optional shared head and wide path.</summary>
    /// <param name="backbone">Maps [batch, features] to [batch, <paramref name="backboneOutputSize"/>]; registered as <c>backbone</c>.</param>
    /// <param name="backboneOutputSize">The width of the backbone's output.</param>
    /// <param name="heads">Per task: its name, output width, and a head mapping [batch, backboneOutputSize] to [batch, outputSize], registered as <c>heads.&lt;name&gt;</c>.</param>
    /// <param name="inputSize">The number of input features, if known, so that inputs are checked.</param>
    /// <param name="sharedHead">
    /// A head shared by all tasks, reading the backbone output, registered as <c>shared_head</c>; each task's
    /// output is then shared_head(z) + its own head(z). All tasks must have the same output size.
    /// </param>
    /// <param name="wide">A Linear of the <paramref name="wideColumns"/> added to every task's output, registered as <c>wide</c>; all tasks must have its output size.</param>
    /// <param name="wideHeads">Per-task Linears of the <paramref name="wideColumns"/> added to that task's output, registered as <c>wide_heads.&lt;task&gt;</c>.</param>
    /// <param name="wideColumns">The input columns the wide path reads, e.g. all but embedding indices; null for all (requires <paramref name="inputSize"/> when given).</param>
    /// <exception cref="ArgumentException">
    /// Invalid tasks; a head whose first layer is a <see cref="Linear"/> of another input width; a shared head or
    /// shared wide Linear with tasks of different output sizes; a wide Linear of the wrong width; a wide head
    /// for an unknown task; a wide column out of range.
    /// </exception>
    public HardSharingModel(Module<Tensor, Tensor> backbone, int backboneOutputSize,
        IReadOnlyList<(string Name, int OutputSize, Module<Tensor, Tensor> Head)> heads, int? inputSize = null,
        Module<Tensor, Tensor>? sharedHead = null, Linear? wide = null, IReadOnlyDictionary<string, Linear>? wideHeads = null,
        IReadOnlyList<int>? wideColumns = null)
        : base((heads ?? throw new ArgumentNullException(nameof(heads))).Select(h => (h.Name, h.OutputSize)), inputSize)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(backboneOutputSize);
        if (inputSize is int f && LinearLayers.First(backbone) is { } first && first.InFeatures != f)
            throw new ArgumentException($"The backbone's first Linear takes {first.InFeatures} features but the input size is {f}.", nameof(backbone));
        BackboneOutputSize = backboneOutputSize;
        Backbone = Register("backbone", backbone);
        if (sharedHead is not null)
        {
            CheckReadsBackbone(sharedHead, "shared head", backboneOutputSize, nameof(sharedHead));
            CheckCommonOutputSize(heads, "A shared head", "build the model without residual heads, or for tasks of one output size", nameof(sharedHead));
            SharedHead = Register("shared_head", sharedHead);
        }
        var dict = Register("heads", new ModuleDict());
        _heads = new Module<Tensor, Tensor>[heads.Count];
        for (int i = 0; i < heads.Count; i++)
        {
            var (name, _, head) = heads[i];
            if (head is null) throw new ArgumentException($"The head of task '{name}' is null.", nameof(heads));
            CheckReadsBackbone(head, $"head of task '{name}'", backboneOutputSize, nameof(heads));
            dict.Add(name, head);
            _heads[i] = head;
            _index[name] = i;
        }
        _wideColumns = CheckWideColumns(wideColumns, inputSize);
        int? wideWidth = _wideColumns?.Length ?? inputSize;
        if (wide is not null)
        {
            CheckCommonOutputSize(heads, "The shared wide Linear", "use per-task wide heads only, or build the model for tasks of one output size", nameof(wide));
            CheckWide(wide, "wide", wideWidth, heads[0].OutputSize, nameof(wide));
            Wide = Register("wide", wide);
            wideWidth = wide.InFeatures;
        }
        _wideHeads = new Linear?[heads.Count];
        if (wideHeads is not null && wideHeads.Count > 0)
        {
            var wideDict = Register("wide_heads", new ModuleDict());
            foreach (var (task, linear) in wideHeads)
            {
                if (!_index.TryGetValue(task, out int i))
                    throw new ArgumentException($"wideHeads has a Linear for '{task}', which is not a task; the tasks are: {string.Join(", ", TaskNames.Select(t => $"'{t}'"))}.", nameof(wideHeads));
                if (linear is null) throw new ArgumentException($"The wide head of task '{task}' is null.", nameof(wideHeads));
                CheckWide(linear, $"wide head of task '{task}'", wideWidth, heads[i].OutputSize, nameof(wideHeads));
                wideWidth = linear.InFeatures;
            }
            // Registered in task order, so state-dict names do not depend on the dictionary's order.
            for (int i = 0; i < heads.Count; i++)
            {
                if (!wideHeads.TryGetValue(heads[i].Name, out var linear)) continue;
                wideDict.Add(heads[i].Name, linear);
                _wideHeads[i] = linear;
            }
        }
        var last = backbone.Modules().OfType<Linear>().LastOrDefault()
            ?? backbone.Modules().LastOrDefault(m => m.Parameters(recurse: false).Any());
        _lastShared = last?.Parameters(recurse: false).ToArray() ?? [];
        _headsKeepNoInput = _heads.All(ReadsInputOnce) && (SharedHead is null || ReadsInputOnce(SharedHead));
    }

    /// <summary>
    /// Builds the model <paramref name="options"/> describe for <paramref name="input"/>: categorical and periodic
    /// numeric embeddings as input layers (for an encoder's input), the MLP backbone and heads, residual heads over
    /// a shared head, and a wide (linear) path.
    /// </summary>
    /// <param name="input">The input width and tasks (<see cref="ModelInput.From"/> for a fitted encoder).</param>
    /// <param name="options">What to build; null for the defaults (backbone [64, 64], a Linear head per task).</param>
    /// <param name="generator">The seeded source for weight initialisation and dropout.</param>
    /// <returns>The model; <see cref="MultiTaskModel.InputSize"/> is the input's width.</returns>
    /// <exception cref="ArgumentException">
    /// Invalid options; residual heads or a shared wide path with tasks of different output sizes; a custom head
    /// for an unknown task; periodic embeddings without an encoder or of a feature that is not numeric.
    /// </exception>
    /// <remarks>
    /// Initialisation draws from <paramref name="generator"/> in this order: categorical embeddings, periodic
    /// embeddings, backbone, shared head, task heads (in task order). The numeric embedding is left out when the
    /// encoder has no numeric column. The wide path reads every encoded column except embedding indices
    /// (<see cref="WideColumns"/>), and starts at zero.
    /// </remarks>
    public static HardSharingModel Create(ModelInput input, HardSharingOptions? options = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= new HardSharingOptions();
        options.Validate();
        var shapes = input.Tasks;
        if (options.ResidualHeads && shapes.Any(t => t.OutputSize != shapes[0].OutputSize))
            throw new ArgumentException(
                "HardSharingOptions.ResidualHeads adds one shared head to every task, so all tasks need the same output size, but they differ: " +
                $"{string.Join(", ", shapes.Select(t => $"'{t.Name}' has {t.OutputSize}"))}; turn ResidualHeads off or pass the tasks of one output size (tasks: [...]).",
                nameof(options));
        if (options.Wide != WidePath.None && shapes.Any(t => t.OutputSize != shapes[0].OutputSize))
            throw new ArgumentException(
                "HardSharingOptions.Wide adds one shared Linear to every task, so all tasks need the same output size, but they differ: " +
                $"{string.Join(", ", shapes.Select(t => $"'{t.Name}' has {t.OutputSize}"))}; set Wide to WidePath.None or pass the tasks of one output size (tasks: [...]).",
                nameof(options));

        var net = new Sequential();
        int width = input.AddInputLayers(net, generator, options.EmbeddingSize, options.NumericEmbedding);
        width = options.Mlp.AddHidden(net, width, options.Backbone, generator, "backbone");

        var sharedHead = options.ResidualHeads ? TaskHeads.Mlp(width, shapes[0].OutputSize, options.Head, options.Mlp, generator) : null;
        var heads = TaskHeads.Build(shapes, width, options.Head, options.Mlp, options.CustomHeads, generator);
        if (sharedHead is not null)
        {
            foreach (var (name, _, head) in heads)
            {
                // A user head is the task's residual as given; only the built MLP heads start at zero.
                if (options.CustomHeads?.ContainsKey(name) != true) ZeroOutputLayer((Sequential)head);
            }
        }

        // Plain columns (everything but embedding indices), in encoded order: what the wide path reads.
        var plain = input.PlainColumns;
        Linear? wide = null;
        Dictionary<string, Linear>? wideHeads = null;
        if (options.Wide != WidePath.None)
        {
            // A linear map has no symmetry to break, so it starts at zero: the model starts as its deep part alone.
            wide = ZeroLinear(plain.Count, shapes[0].OutputSize);
            if (options.Wide == WidePath.SharedAndPerTask)
                wideHeads = shapes.ToDictionary(t => t.Name, t => ZeroLinear(plain.Count, t.OutputSize), StringComparer.Ordinal);
        }
        return new HardSharingModel(net, width, heads, input.InputSize, sharedHead, wide, wideHeads,
            plain.Count == input.InputSize ? null : plain);
    }

    private static void ZeroOutputLayer(Sequential head)
    {
        var output = (Linear)head[head.Count - 1];
        Init.Zeros(output.Weight);
        if (output.Bias is not null) Init.Zeros(output.Bias);
    }

    private static Linear ZeroLinear(int inputSize, int outputSize)
    {
        var linear = new Linear(inputSize, outputSize);
        Init.Zeros(linear.Weight);
        Init.Zeros(linear.Bias!);
        return linear;
    }

    /// <summary>The shared backbone.</summary>
    public Module<Tensor, Tensor> Backbone { get; }

    /// <summary>The width of the backbone's output, which every head reads.</summary>
    public int BackboneOutputSize { get; }

    /// <summary>The head shared by all tasks (residual heads), or null.</summary>
    public Module<Tensor, Tensor>? SharedHead { get; }

    /// <summary>The shared Linear of the wide path, or null. Set its weight and bias in place to warm-start it (e.g. from a ridge fit on <see cref="WideInputs"/>).</summary>
    public Linear? Wide { get; }

    /// <summary>The input columns the wide path reads (e.g. all but embedding indices), or null when it reads every column.</summary>
    public IReadOnlyList<int>? WideColumns => _wideColumns;

    /// <summary>The head of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public Module<Tensor, Tensor> Head(string task) => _heads[_index[CheckTask(task)]];

    /// <summary>The task's own Linear of the wide path, or null when it has none.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public Linear? WideHead(string task) => _wideHeads[_index[CheckTask(task)]];

    /// <summary>
    /// A model over some of this model's tasks that shares every module with it: the same backbone, shared head,
    /// wide Linear and heads, so the same <see cref="Parameter"/> objects. Training it trains this model's shared
    /// part and those tasks' heads; the other heads are left out, so a trainer neither needs labels for them nor
    /// touches them.
    /// </summary>
    /// <param name="tasks">The tasks to keep, each one of <see cref="MultiTaskModel.TaskNames"/>, in the order of the new model's outputs.</param>
    /// <returns>The new model; its <see cref="MultiTaskModel.InputSize"/> and <see cref="WideColumns"/> are this model's.</returns>
    /// <exception cref="ArgumentException">No task, an unknown task (the message lists the model's tasks) or a task named twice.</exception>
    /// <remarks>
    /// Sequential training uses it to train one task at a time on one backbone; transfer uses it to train new heads on data
    /// that has no labels for the old tasks. Freezing and training mode are properties of the shared modules and
    /// parameters, so they are shared too.
    /// </remarks>
    public HardSharingModel ForTasks(IReadOnlyList<string> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        foreach (var task in tasks) CheckTask(task);
        return Rebuild(tasks, [], null);
    }

    /// <summary>
    /// This model's tasks plus new ones: a model that shares every module of this one (the same backbone, shared head,
    /// wide Linear and heads, so the same <see cref="Parameter"/> objects) and adds a head per new task.
    /// </summary>
    /// <param name="heads">Per new task: its name (not one of this model's tasks), output width, and a head mapping [batch, <see cref="BackboneOutputSize"/>] to [batch, outputSize].</param>
    /// <param name="wideHeads">Per new task, its own Linear of the wide path (registered as <c>wide_heads.&lt;task&gt;</c>); optional.</param>
    /// <returns>The new model: this model's tasks first, in order, then the new ones.</returns>
    /// <exception cref="ArgumentException">
    /// No new head, a name this model already has, or a head that does not fit (see the constructor): a first Linear of
    /// another width than the backbone's output, another output size than the shared head's or the shared wide Linear's.
    /// </exception>
    /// <remarks>
    /// The parameters are shared, not copied, so that one model keeps serving every task: freezing the shared part really
    /// fixes the old tasks' predictions while new heads train, and a later unfreezing moves old and new tasks together. Train
    /// a copy (e.g. a model loaded again from its file) to leave the source untouched.
    /// </remarks>
    public HardSharingModel WithTasks(IReadOnlyList<(string Name, int OutputSize, Module<Tensor, Tensor> Head)> heads,
        IReadOnlyDictionary<string, Linear>? wideHeads = null)
    {
        ArgumentNullException.ThrowIfNull(heads);
        if (heads.Count == 0)
            throw new ArgumentException("WithTasks adds tasks; pass at least one (name, outputSize, head).", nameof(heads));
        foreach (var (name, _, _) in heads)
        {
            if (TaskNames.Contains(name, StringComparer.Ordinal))
                throw new ArgumentException(
                    $"Task '{name}' is already a task of the model ({string.Join(", ", TaskNames.Select(t => $"'{t}'"))}); give the new task another name.", nameof(heads));
        }
        if (wideHeads is not null)
        {
            foreach (var task in wideHeads.Keys)
            {
                if (!heads.Any(h => h.Name == task))
                    throw new ArgumentException($"wideHeads has a Linear for '{task}', which is not one of the new tasks ({string.Join(", ", heads.Select(h => $"'{h.Name}'"))}).", nameof(wideHeads));
            }
        }
        return Rebuild(TaskNames, heads, wideHeads);
    }

    private HardSharingModel Rebuild(IReadOnlyList<string> keep, IReadOnlyList<(string Name, int OutputSize, Module<Tensor, Tensor> Head)> added,
        IReadOnlyDictionary<string, Linear>? addedWide)
    {
        var heads = keep.Select(t => (t, OutputSize(t), Head(t))).Concat(added).ToList();
        var wide = new Dictionary<string, Linear>(StringComparer.Ordinal);
        foreach (var task in keep)
            if (WideHead(task) is { } linear) wide[task] = linear;
        if (addedWide is not null)
            foreach (var (task, linear) in addedWide) wide[task] = linear;
        return new HardSharingModel(Backbone, BackboneOutputSize, heads, InputSize, SharedHead, Wide, wide, _wideColumns);
    }

    /// <summary>The columns of <paramref name="inputs"/> that the wide path reads (<see cref="WideColumns"/>), e.g. the design matrix of a ridge warm start.</summary>
    /// <param name="inputs">Encoded inputs, [batch, features].</param>
    /// <returns>[batch, wide width]; <paramref name="inputs"/> itself when the wide path reads every column.</returns>
    public Tensor WideInputs(Tensor inputs)
    {
        CheckInputs(inputs);
        return _wideColumns is null ? inputs : inputs.IndexSelect(1, _wideColumns);
    }

    /// <summary>The parameters of the backbone's last <see cref="Linear"/> (or, without one, of its last module that has parameters).</summary>
    public override IReadOnlyList<Parameter> LastSharedParameters => _lastShared;

    /// <inheritdoc />
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedSharedParameters() => ParametersUnder("backbone", "shared_head", "wide");

    /// <inheritdoc />
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedTaskParameters(string task)
    {
        CheckTask(task);
        return ParametersUnder("heads." + task, "wide_heads." + task);
    }

    /// <inheritdoc />
    public override TaskOutputs Forward(Tensor input)
    {
        // Without a graph, the backbone's output is read only by the heads; when they are the engine's own modules (which
        // keep no reference to their input) it can live in a reused buffer instead of a fresh array per call.
        if (!Autograd.IsGradEnabled && Backbone is Sequential backbone && _headsKeepNoInput)
        {
            CheckInputs(input);
            return backbone.ForwardScoped(input, z => Outputs(input, CheckBackboneOutput(z, input)));
        }
        var shared = Shared(input);
        var outputs = Outputs(input, shared);
        // With a graph, the backbone's output is read only by the heads' recorded operations when they are the engine's own
        // modules; once backward has freed those, its storage is reused (see Tensor.ReleaseAfterBackward).
        if (_headsKeepNoInput && Backbone is Sequential { Count: > 0 } layers && layers[layers.Count - 1] is Linear or Relu or Sigmoid or Tanh)
            shared.ReleaseAfterBackward();
        return outputs;
    }

    private TaskOutputs Outputs(Tensor input, Tensor shared)
    {
        var pooled = SharedHead?.Forward(shared);
        var wideInputs = Wide is not null || _wideHeads.Any(h => h is not null) ? WideInputs(input) : null;
        var wide = Wide?.Forward(wideInputs!);
        var heads = LinearHeads(shared);
        var outputs = new List<KeyValuePair<string, Tensor>>(_heads.Length);
        for (int i = 0; i < _heads.Length; i++)
            outputs.Add(new(TaskNames[i], Combine(i, shared, heads?[i], pooled, wideInputs, wide, input.Shape[0])));
        return new TaskOutputs(outputs);
    }

    /// <summary>
    /// Every head's output when all heads are the engine's Linear layers, computed as one layer whose weights are the
    /// heads' side by side, else null. One product over the shared representation replaces a thin product per head, and
    /// backward makes one input gradient of the representation instead of one per head that must then be summed.
    /// </summary>
    private Tensor[]? LinearHeads(Tensor shared)
    {
        var layers = new Linear[_heads.Length];
        for (int i = 0; i < _heads.Length; i++)
        {
            // A head is one Linear, alone or as the only layer of a Sequential (an MLP head without hidden layers).
            if ((_heads[i] as Linear ?? (_heads[i] is Sequential { Count: 1 } single ? single[0] as Linear : null)) is not { } linear) return null;
            layers[i] = linear;
        }
        if (!LinearLayers.CanJoin(layers, shared.Shape[1])) return null;
        var all = LinearLayers.Joint(shared, layers);
        var outputs = new Tensor[layers.Length];
        for (int i = 0, offset = 0; i < layers.Length; offset += layers[i].OutFeatures, i++)
            outputs[i] = all.Narrow(1, offset, layers[i].OutFeatures);
        return outputs;
    }

    /// <inheritdoc />
    public override Tensor ForwardTask(Tensor inputs, string task)
    {
        int i = _index[CheckTask(task)];
        var shared = Shared(inputs);
        var wideInputs = Wide is not null || _wideHeads[i] is not null ? WideInputs(inputs) : null;
        // The heads' joint layer when there is one, so that one task's output is the same number as in Forward.
        return Combine(i, shared, LinearHeads(shared)?[i], SharedHead?.Forward(shared), wideInputs, Wide?.Forward(wideInputs!), inputs.Shape[0]);
    }

    private Tensor Combine(int i, Tensor shared, Tensor? head, Tensor? pooled, Tensor? wideInputs, Tensor? wide, int batch)
    {
        string task = TaskNames[i];
        var y = head ?? _heads[i].Forward(shared);
        CheckOutput(task, y, batch);
        if (pooled is not null)
        {
            // Checked before adding: a [B, 1] pooled output would otherwise broadcast silently against a wider head.
            if (pooled.Rank != 2 || pooled.Shape[0] != batch || pooled.Shape[1] != OutputSize(task))
                throw new InvalidOperationException(
                    $"The shared head returned shape [{string.Join(", ", pooled.Shape)}], but task '{task}' needs [{batch}, {OutputSize(task)}]; " +
                    "the shared head's output width must equal every task's output size.");
            y = pooled + y;
        }
        if (wide is not null) y = y + wide;
        if (_wideHeads[i] is { } own) y = y + own.Forward(wideInputs!);
        return y;
    }

    private Tensor Shared(Tensor inputs)
    {
        CheckInputs(inputs);
        return CheckBackboneOutput(Backbone.Forward(inputs), inputs);
    }

    // Whether a head only reads its input while it runs: the engine's own modules keep no reference to an input outside a
    // graph, and a head that starts with a Linear returns new storage, never its input or a view of it.
    private static bool ReadsInputOnce(Module<Tensor, Tensor> head) =>
        (head is Linear || head is Sequential { Count: > 0 } sequential && sequential[0] is Linear)
        && head.Modules().All(m => m.GetType().Assembly == typeof(Linear).Assembly);

    private Tensor CheckBackboneOutput(Tensor z, Tensor inputs)
    {
        if (z.Rank != 2 || z.Shape[0] != inputs.Shape[0] || z.Shape[1] != BackboneOutputSize)
            throw new InvalidOperationException(
                $"The backbone returned shape [{string.Join(", ", z.Shape)}], but the model was built for a backbone output of [{inputs.Shape[0]}, {BackboneOutputSize}]; " +
                "pass the backbone's real output width as backboneOutputSize.");
        return z;
    }

    private static void CheckReadsBackbone(Module head, string what, int backboneOutputSize, string argument)
    {
        if (LinearLayers.First(head) is { } linear && linear.InFeatures != backboneOutputSize)
            throw new ArgumentException(
                $"The {what} starts with a Linear that takes {linear.InFeatures} features, but the backbone outputs {backboneOutputSize}; " +
                "make the head's input width equal to the backbone's output width.", argument);
    }

    private static void CheckCommonOutputSize(IReadOnlyList<(string Name, int OutputSize, Module<Tensor, Tensor> Head)> heads, string what, string fix, string argument)
    {
        if (heads.Any(h => h.OutputSize != heads[0].OutputSize))
            throw new ArgumentException(
                $"{what} serves every task, so all tasks need the same output size, but they differ: " +
                $"{string.Join(", ", heads.Select(h => $"'{h.Name}' has {h.OutputSize}"))}; {fix}.", argument);
    }

    private static void CheckWide(Linear linear, string what, int? inputWidth, int outputSize, string argument)
    {
        if (inputWidth is int w && linear.InFeatures != w)
            throw new ArgumentException($"The {what} takes {linear.InFeatures} features, but the wide path reads {w} input columns.", argument);
        if (linear.OutFeatures != outputSize)
            throw new ArgumentException($"The {what} outputs {linear.OutFeatures} values, but the task output size is {outputSize}.", argument);
    }

    private static int[]? CheckWideColumns(IReadOnlyList<int>? columns, int? inputSize)
    {
        if (columns is null) return null;
        if (inputSize is not int f)
            throw new ArgumentException("wideColumns index the input, so the model needs its inputSize; pass inputSize too.", nameof(columns));
        foreach (int c in columns)
        {
            if (c < 0 || c >= f)
                throw new ArgumentException($"Wide column {c} is outside the input's {f} columns.", nameof(columns));
        }
        return [.. columns];
    }
}
