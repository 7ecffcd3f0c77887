using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// Multi-gate mixture of experts: n experts shared by all tasks, and per task a gate that mixes the experts'
/// outputs and a tower that reads the mixture. Parameters are named <c>input.*</c> (input layers), <c>experts.&lt;i&gt;.*</c>,
/// <c>gates.&lt;task&gt;.*</c> and <c>towers.&lt;task&gt;.*</c>.
/// </summary>
/// <remarks>
/// <para>
/// Ma, Zhao, Yi, Chen, Hong &amp; Chi, "Modeling Task Relationships in Multi-task Learning with Multi-gate
/// Mixture-of-Experts", KDD 2018. With z = input(x), task t outputs towers.t(Σ_e g_t(z)_e · experts.e(z)). The input
/// layers and the experts are the shared parameters; a gate is reached by its task's loss only, so gates.t and towers.t
/// belong to task t. <see cref="LastSharedParameters"/> spans every expert's last Linear. With
/// <see cref="DSelectKGate"/>s (Hazimeh et al., NeurIPS 2021) each task uses at most k experts once its gate has
/// converged, and <see cref="Penalty"/> carries the gates' entropy regularisers.
/// </para>
/// <para>Build the model with <see cref="Create"/> or, for user modules, with the constructor.</para>
/// </remarks>
public sealed class MmoeModel : MultiTaskModel
{
    private readonly Module<Tensor, Tensor>[] _experts;
    private readonly ExpertGate[] _gates;
    private readonly Module<Tensor, Tensor>[] _towers;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Parameter[] _lastShared;

    /// <summary>Creates the model from experts, and a gate and a tower per task.</summary>
    /// <param name="experts">The experts, each mapping the input layers' output to [batch, <paramref name="expertOutputSize"/>]; registered as <c>experts.&lt;i&gt;</c>.</param>
    /// <param name="expertOutputSize">The width of every expert's output, which the towers read.</param>
    /// <param name="tasks">
    /// Per task: its name, output width, gate (reading the input layers' output, mixing all experts; registered as
    /// <c>gates.&lt;name&gt;</c>) and tower ([batch, expertOutputSize] → [batch, outputSize]; registered as <c>towers.&lt;name&gt;</c>).
    /// </param>
    /// <param name="inputLayers">Layers applied to the inputs before the experts and the gates (e.g. embeddings), registered as <c>input</c>; null for none.</param>
    /// <param name="inputSize">The number of input features, if known, so that inputs are checked.</param>
    /// <exception cref="ArgumentException">
    /// Invalid tasks, no experts, a null module, a gate that does not mix every expert, gates of different input widths
    /// (or, without input layers, of another width than the input), or a tower that does not read the expert width.
    /// </exception>
    public MmoeModel(IReadOnlyList<Module<Tensor, Tensor>> experts, int expertOutputSize,
        IReadOnlyList<(string Name, int OutputSize, ExpertGate Gate, Module<Tensor, Tensor> Tower)> tasks,
        Module<Tensor, Tensor>? inputLayers = null, int? inputSize = null)
        : base((tasks ?? throw new ArgumentNullException(nameof(tasks))).Select(t => (t.Name, t.OutputSize)), inputSize)
    {
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expertOutputSize);
        if (experts.Count == 0) throw new ArgumentException("A mixture of experts needs at least one expert.", nameof(experts));
        ExpertOutputSize = expertOutputSize;
        if (inputLayers is not null) InputLayers = Register("input", inputLayers);
        var expertList = Register("experts", new ModuleList());
        _experts = new Module<Tensor, Tensor>[experts.Count];
        for (int e = 0; e < experts.Count; e++)
        {
            _experts[e] = experts[e] ?? throw new ArgumentException($"Expert {e} is null.", nameof(experts));
            expertList.Add(experts[e]);
        }
        var gates = Register("gates", new ModuleDict());
        var towers = Register("towers", new ModuleDict());
        _gates = new ExpertGate[tasks.Count];
        _towers = new Module<Tensor, Tensor>[tasks.Count];
        for (int i = 0; i < tasks.Count; i++)
        {
            var (name, _, gate, tower) = tasks[i];
            _gates[i] = gate ?? throw new ArgumentException($"The gate of task '{name}' is null.", nameof(tasks));
            _towers[i] = tower ?? throw new ArgumentException($"The tower of task '{name}' is null.", nameof(tasks));
            if (gate.ExpertCount != experts.Count)
                throw new ArgumentException($"The gate of task '{name}' mixes {gate.ExpertCount} experts, but the model has {experts.Count}.", nameof(tasks));
            if (gate.InputSize != _gates[0].InputSize)
                throw new ArgumentException(
                    $"Every gate reads the input layers' output, but the gate of task '{name}' reads {gate.InputSize} features and the gate of task '{tasks[0].Name}' {_gates[0].InputSize}.", nameof(tasks));
            if (inputLayers is null && inputSize is int f && gate.InputSize != f)
                throw new ArgumentException($"The gate of task '{name}' reads {gate.InputSize} features, but the input has {f} (and there are no input layers).", nameof(tasks));
            ExpertModels.CheckTower(tower, name, expertOutputSize, nameof(tasks));
            gates.Add(name, gate);
            towers.Add(name, tower);
            _index[name] = i;
        }
        _lastShared = _experts.SelectMany(ExpertModels.LastLayer).ToArray();
    }

    /// <summary>
    /// Builds the model <paramref name="options"/> describe for <paramref name="input"/>: input layers (categorical and
    /// periodic numeric embeddings, for an encoder's input), MLP experts, a gate and an MLP tower per task.
    /// </summary>
    /// <param name="input">The input width and tasks (<see cref="ModelInput.From"/> for a fitted encoder).</param>
    /// <param name="options">What to build; null for the defaults (4 experts of [32], softmax gates, towers of [16]).</param>
    /// <param name="generator">The seeded source for initialisation and dropout.</param>
    /// <returns>The model; <see cref="MultiTaskModel.InputSize"/> is the input's width.</returns>
    /// <exception cref="ArgumentException">Invalid options (the message names the option), or periodic embeddings without an encoder.</exception>
    /// <remarks>Initialisation draws from <paramref name="generator"/> in this order: input layers, experts, then per task its gate and its tower.</remarks>
    public static MmoeModel Create(ModelInput input, MmoeOptions? options = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= new MmoeOptions();
        options.Validate();
        var inputLayers = new Sequential();
        int width = input.AddInputLayers(inputLayers, generator, options.EmbeddingSize, options.NumericEmbedding);
        var experts = new List<Module<Tensor, Tensor>>();
        for (int e = 0; e < options.Experts; e++)
        {
            var expert = new Sequential();
            options.Mlp.AddHidden(expert, width, options.ExpertHidden, generator, "expert");
            experts.Add(expert);
        }
        int expertWidth = options.ExpertHidden[^1];
        var tasks = new List<(string, int, ExpertGate, Module<Tensor, Tensor>)>();
        foreach (var (name, size) in input.Tasks)
        {
            var gate = ExpertGate.Create(options.Gate, options.DSelectK, width, options.Experts, generator);
            tasks.Add((name, size, gate, TaskHeads.Mlp(expertWidth, size, options.TowerHidden, options.Mlp, generator)));
        }
        return new MmoeModel(experts, expertWidth, tasks, inputLayers.Count > 0 ? inputLayers : null, input.InputSize);
    }

    /// <summary>The layers applied to the inputs before the experts and gates, or null.</summary>
    public Module<Tensor, Tensor>? InputLayers { get; }

    /// <summary>The experts, in order.</summary>
    public IReadOnlyList<Module<Tensor, Tensor>> Experts => _experts;

    /// <summary>The width of every expert's output.</summary>
    public int ExpertOutputSize { get; }

    /// <summary>The gate of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public ExpertGate Gate(string task) => _gates[_index[CheckTask(task)]];

    /// <summary>The tower of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public Module<Tensor, Tensor> Tower(string task) => _towers[_index[CheckTask(task)]];

    /// <summary>The parameters of every expert's last <see cref="Linear"/>: the last layers every task's loss flows through.</summary>
    public override IReadOnlyList<Parameter> LastSharedParameters => _lastShared;

    /// <summary>The sum of the gates' penalties (DSelect-k's entropy regulariser), or null when no gate has one.</summary>
    public override Tensor? Penalty()
    {
        Tensor? total = null;
        foreach (var gate in _gates)
            if (gate.Penalty() is { } p) total = total is null ? p : total + p;
        return total;
    }

    /// <summary>The input layers and the experts.</summary>
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedSharedParameters() => ParametersUnder("input", "experts");

    /// <summary>The gate and the tower of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedTaskParameters(string task)
    {
        CheckTask(task);
        return ParametersUnder("gates." + task, "towers." + task);
    }

    /// <inheritdoc />
    public override TaskOutputs Forward(Tensor input)
    {
        var (z, stacked) = Shared(input);
        var outputs = new List<KeyValuePair<string, Tensor>>(_gates.Length);
        for (int i = 0; i < _gates.Length; i++) outputs.Add(new(TaskNames[i], Run(i, z, stacked)));
        return new TaskOutputs(outputs);
    }

    /// <inheritdoc />
    public override Tensor ForwardTask(Tensor inputs, string task)
    {
        int i = _index[CheckTask(task)];
        var (z, stacked) = Shared(inputs);
        return Run(i, z, stacked);
    }

    /// <summary>Each task's gate weights on <paramref name="inputs"/>, computed in evaluation mode without gradients.</summary>
    /// <param name="inputs">The inputs, [batch, features].</param>
    /// <returns>Task → [batch, experts]; column e is the weight of <c>experts.e</c>.</returns>
    public IReadOnlyDictionary<string, Tensor> GateWeights(Tensor inputs)
    {
        using var scope = EvaluationScope();
        CheckInputs(inputs);
        var z = InputLayers?.Forward(inputs) ?? inputs;
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < _gates.Length; i++)
            weights[TaskNames[i]] = ExpertModels.CheckWeights(_gates[i].Forward(z), _gates[i], inputs.Shape[0], "gates." + TaskNames[i]);
        return weights;
    }

    /// <summary>The mean gate weight of each task on each expert over <paramref name="inputs"/> (see <see cref="GateWeights"/>).</summary>
    /// <param name="inputs">The inputs, [batch, features].</param>
    /// <returns>One row per task, one column per expert (<c>experts.&lt;i&gt;</c>).</returns>
    public ExpertUtilisation ExpertUtilisation(Tensor inputs)
    {
        var weights = GateWeights(inputs);
        var table = new double[_gates.Length, _experts.Length];
        for (int i = 0; i < _gates.Length; i++)
        {
            var mean = ExpertModels.MeanWeights(weights[TaskNames[i]]);
            for (int e = 0; e < mean.Length; e++) table[i, e] = mean[e];
        }
        return new ExpertUtilisation(TaskNames, Enumerable.Range(0, _experts.Length).Select(e => $"experts.{e}").ToList(), table);
    }

    private (Tensor Z, Tensor Stacked) Shared(Tensor input)
    {
        CheckInputs(input);
        var z = InputLayers?.Forward(input) ?? input;
        return (z, ExpertModels.Stack(_experts, z, ExpertOutputSize, e => $"experts.{e}"));
    }

    private Tensor Run(int i, Tensor z, Tensor stacked)
    {
        string task = TaskNames[i];
        var weights = ExpertModels.CheckWeights(_gates[i].Forward(z), _gates[i], z.Shape[0], "gates." + task);
        var y = _towers[i].Forward(ExpertGate.Mix(stacked, weights));
        CheckOutput(task, y, z.Shape[0]);
        return y;
    }
}
