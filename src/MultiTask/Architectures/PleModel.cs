using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// Progressive layered extraction (PLE): levels of shared and task-specific experts; at each level every task's gate
/// mixes the task's own experts and the shared ones, and, below the last level, a shared gate mixes all experts into the
/// next level's shared input; a tower per task reads the last level. One level is CGC (customized gate control).
/// Parameters are named <c>input.*</c>, <c>shared_experts.&lt;l&gt;.&lt;i&gt;.*</c>, <c>task_experts.&lt;l&gt;.&lt;task&gt;.&lt;i&gt;.*</c>,
/// <c>task_gates.&lt;l&gt;.&lt;task&gt;.*</c>, <c>shared_gates.&lt;l&gt;.*</c> and <c>towers.&lt;task&gt;.*</c>.
/// </summary>
/// <remarks>
/// <para>
/// Tang, Liu, Zhao &amp; Gong, "Progressive Layered Extraction (PLE): A Novel Multi-Task Learning (MTL) Model for
/// Personalized Recommendations", RecSys 2020. At level l, with task inputs h_t and shared input s (all the input layers'
/// output z at level 0), task t's next input is Σ g_t(h_t)·[own experts(h_t), shared experts(s)], and the next shared
/// input is Σ g_s(s)·[every task's experts(h_·), shared experts(s)]; task t outputs towers.t(h_t) after the last level.
/// </para>
/// <para>
/// <b>Shared and task parameters.</b> A parameter is task t's only if no other task's output depends on it. The shared
/// gate of a level below the last reads every task's experts of that level, so those experts feed every task; and a
/// task gate's output feeds its task's experts of the next level. With L levels (0 … L−1), task t owns its experts of
/// level L−1, its gates of levels L−2 and L−1, and its tower; everything else is shared: the input layers, the shared
/// experts and gates, the task experts of levels below L−1 and the task gates of levels below L−2. For CGC (L = 1) the
/// task experts, the task gates and the towers belong to their tasks. <see cref="LastSharedParameters"/> spans the
/// last level's shared experts' last Linears.
/// </para>
/// <para>Build the model with <see cref="Create"/> or, for user modules, with the constructor.</para>
/// </remarks>
public sealed class PleModel : MultiTaskModel
{
    private readonly Module<Tensor, Tensor>[][] _shared;
    private readonly Module<Tensor, Tensor>[][][] _own;
    private readonly ExpertGate[][] _taskGates;
    private readonly ExpertGate?[] _sharedGates;
    private readonly int[] _widths;
    private readonly Module<Tensor, Tensor>[] _towers;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Parameter[] _lastShared;

    /// <summary>Creates the model from its levels and a tower per task.</summary>
    /// <param name="levels">The extraction levels, first to last (see <see cref="PleLevel"/>); every level but the last has a shared gate.</param>
    /// <param name="towers">Per task: its name, output width and tower ([batch, last level's expert width] → [batch, outputSize]).</param>
    /// <param name="inputLayers">Layers applied to the inputs before the first level (e.g. embeddings), registered as <c>input</c>; null for none.</param>
    /// <param name="inputSize">The number of input features, if known, so that inputs are checked.</param>
    /// <exception cref="ArgumentException">
    /// Invalid tasks; no level; a level without shared experts, or missing a task's experts or gate; a shared gate
    /// at the last level or none below it; a gate that does not mix its experts or reads another width; a tower that
    /// does not read the last level's expert width.
    /// </exception>
    public PleModel(IReadOnlyList<PleLevel> levels, IReadOnlyList<(string Name, int OutputSize, Module<Tensor, Tensor> Tower)> towers,
        Module<Tensor, Tensor>? inputLayers = null, int? inputSize = null)
        : base((towers ?? throw new ArgumentNullException(nameof(towers))).Select(t => (t.Name, t.OutputSize)), inputSize)
    {
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Count == 0) throw new ArgumentException("A PLE model needs at least one extraction level (one level is CGC).", nameof(levels));
        int tasks = towers.Count;
        for (int i = 0; i < tasks; i++) _index[towers[i].Name] = i;
        if (inputLayers is not null) InputLayers = Register("input", inputLayers);
        var sharedList = Register("shared_experts", new ModuleList());
        var ownList = Register("task_experts", new ModuleList());
        var gateList = Register("task_gates", new ModuleList());
        var sharedGateList = levels.Count > 1 ? Register("shared_gates", new ModuleList()) : null;
        _shared = new Module<Tensor, Tensor>[levels.Count][];
        _own = new Module<Tensor, Tensor>[levels.Count][][];
        _taskGates = new ExpertGate[levels.Count][];
        _sharedGates = new ExpertGate?[levels.Count];
        _widths = new int[levels.Count];
        int? width = inputLayers is null ? inputSize : null;
        for (int l = 0; l < levels.Count; l++)
        {
            var level = levels[l] ?? throw new ArgumentException($"Level {l} is null.", nameof(levels));
            if (level.SharedExperts is null || level.SharedExperts.Count == 0)
                throw new ArgumentException($"Level {l} has no shared experts; every PLE level needs at least one.", nameof(levels));
            if (level.TaskExperts is null || level.TaskGates is null)
                throw new ArgumentException($"Level {l} needs TaskExperts and TaskGates for every task (an empty expert list for a task without experts).", nameof(levels));
            if (level.ExpertOutputSize <= 0)
                throw new ArgumentException($"Level {l} has expert output size {level.ExpertOutputSize}; it must be positive.", nameof(levels));
            _widths[l] = level.ExpertOutputSize;
            _shared[l] = [.. level.SharedExperts.Select((e, i) => e ?? throw new ArgumentException($"Shared expert {i} of level {l} is null.", nameof(levels)))];
            sharedList.Add(new ModuleList(_shared[l]));
            foreach (var name in level.TaskExperts.Keys.Concat(level.TaskGates.Keys))
            {
                if (!_index.ContainsKey(name))
                    throw new ArgumentException($"Level {l} has experts or a gate for '{name}', which is not a task; the tasks are: {string.Join(", ", TaskNames.Select(t => $"'{t}'"))}.", nameof(levels));
            }
            var ownDict = new ModuleDict();
            var gateDict = new ModuleDict();
            _own[l] = new Module<Tensor, Tensor>[tasks][];
            _taskGates[l] = new ExpertGate[tasks];
            int all = _shared[l].Length;
            for (int t = 0; t < tasks; t++)
            {
                string name = TaskNames[t];
                if (!level.TaskExperts.TryGetValue(name, out var own) || own is null)
                    throw new ArgumentException($"Level {l} has no expert list for task '{name}'; pass an empty list for a task without experts of its own.", nameof(levels));
                if (!level.TaskGates.TryGetValue(name, out var gate) || gate is null)
                    throw new ArgumentException($"Level {l} has no gate for task '{name}'.", nameof(levels));
                _own[l][t] = [.. own.Select((e, i) => e ?? throw new ArgumentException($"Expert {i} of task '{name}' at level {l} is null.", nameof(levels)))];
                all += own.Count;
                CheckGate(gate, $"task '{name}'", l, own.Count + _shared[l].Length, $"its {own.Count} own and {_shared[l].Length} shared experts", width);
                _taskGates[l][t] = gate;
                ownDict.Add(name, new ModuleList(_own[l][t]));
                gateDict.Add(name, gate);
            }
            ownList.Add(ownDict);
            gateList.Add(gateDict);
            if (l < levels.Count - 1)
            {
                var sharedGate = level.SharedGate
                    ?? throw new ArgumentException($"Level {l} has no shared gate; every level but the last mixes all its experts into the next level's shared input.", nameof(levels));
                CheckGate(sharedGate, "the shared gate", l, all, $"all {all} experts of the level", width);
                _sharedGates[l] = sharedGate;
                sharedGateList!.Add(sharedGate);
            }
            else if (level.SharedGate is not null)
            {
                throw new ArgumentException($"The last level ({l}) has a shared gate, but nothing reads a shared mixture after it; pass null.", nameof(levels));
            }
            width = level.ExpertOutputSize;
        }
        var towerDict = Register("towers", new ModuleDict());
        _towers = new Module<Tensor, Tensor>[tasks];
        for (int t = 0; t < tasks; t++)
        {
            var (name, _, tower) = towers[t];
            _towers[t] = tower ?? throw new ArgumentException($"The tower of task '{name}' is null.", nameof(towers));
            ExpertModels.CheckTower(tower, name, _widths[^1], nameof(towers));
            towerDict.Add(name, tower);
        }
        _lastShared = _shared[^1].SelectMany(ExpertModels.LastLayer).ToArray();

        static void CheckGate(ExpertGate gate, string what, int level, int experts, string which, int? width)
        {
            if (gate.ExpertCount != experts)
                throw new ArgumentException($"The gate of {what} at level {level} mixes {gate.ExpertCount} experts, but it must mix {which} ({experts}).", nameof(levels));
            if (width is int w && gate.InputSize != w)
                throw new ArgumentException($"The gate of {what} at level {level} reads {gate.InputSize} features, but its input has {w}.", nameof(levels));
        }
    }

    /// <summary>
    /// Builds the model <paramref name="options"/> describe for <paramref name="input"/>: input layers (for an encoder's
    /// input), <see cref="PleOptions.Levels"/> levels of MLP experts and gates, and an MLP tower per task.
    /// </summary>
    /// <param name="input">The input width and tasks (<see cref="ModelInput.From"/> for a fitted encoder).</param>
    /// <param name="options">What to build; null for the defaults (2 levels, 2 shared experts and 1 per task of [32], softmax gates, towers of [16]).</param>
    /// <param name="generator">The seeded source for initialisation and dropout.</param>
    /// <returns>The model; <see cref="MultiTaskModel.InputSize"/> is the input's width.</returns>
    /// <exception cref="ArgumentException">Invalid options (the message names the option), or periodic embeddings without an encoder.</exception>
    /// <remarks>
    /// Initialisation draws from <paramref name="generator"/> in this order: input layers; per level its shared experts, each
    /// task's experts (in task order), each task's gate, the shared gate; then the towers in task order.
    /// </remarks>
    public static PleModel Create(ModelInput input, PleOptions? options = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= new PleOptions();
        options.Validate();
        var inputLayers = new Sequential();
        int width = input.AddInputLayers(inputLayers, generator, options.EmbeddingSize, options.NumericEmbedding);
        int expertWidth = options.ExpertHidden[^1];
        var levels = new List<PleLevel>();
        for (int l = 0; l < options.Levels; l++)
        {
            Module<Tensor, Tensor> Expert()
            {
                var expert = new Sequential();
                options.Mlp.AddHidden(expert, width, options.ExpertHidden, generator, "expert");
                return expert;
            }
            var shared = Enumerable.Range(0, options.SharedExperts).Select(_ => Expert()).ToList();
            var own = new Dictionary<string, IReadOnlyList<Module<Tensor, Tensor>>>(StringComparer.Ordinal);
            foreach (var (name, _) in input.Tasks) own[name] = Enumerable.Range(0, options.TaskExperts).Select(_ => Expert()).ToList();
            var gates = new Dictionary<string, ExpertGate>(StringComparer.Ordinal);
            foreach (var (name, _) in input.Tasks)
                gates[name] = ExpertGate.Create(options.Gate, options.DSelectK, width, options.TaskExperts + options.SharedExperts, generator);
            var sharedGate = l < options.Levels - 1
                ? ExpertGate.Create(options.Gate, options.DSelectK, width, input.Tasks.Count * options.TaskExperts + options.SharedExperts, generator)
                : null;
            levels.Add(new PleLevel(shared, own, gates, sharedGate, expertWidth));
            width = expertWidth;
        }
        var towers = input.Tasks.Select(t => (t.Name, t.OutputSize, (Module<Tensor, Tensor>)TaskHeads.Mlp(expertWidth, t.OutputSize, options.TowerHidden, options.Mlp, generator))).ToList();
        return new PleModel(levels, towers, inputLayers.Count > 0 ? inputLayers : null, input.InputSize);
    }

    /// <summary>The layers applied to the inputs before the first level, or null.</summary>
    public Module<Tensor, Tensor>? InputLayers { get; }

    /// <summary>The number of extraction levels (1 for CGC).</summary>
    public int LevelCount => _shared.Length;

    /// <summary>The shared experts of <paramref name="level"/>.</summary>
    public IReadOnlyList<Module<Tensor, Tensor>> SharedExperts(int level) => _shared[CheckLevel(level)];

    /// <summary>The experts of <paramref name="task"/> at <paramref name="level"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public IReadOnlyList<Module<Tensor, Tensor>> TaskExperts(int level, string task) => _own[CheckLevel(level)][_index[CheckTask(task)]];

    /// <summary>The gate of <paramref name="task"/> at <paramref name="level"/>; it mixes the task's own experts, then the shared ones.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public ExpertGate TaskGate(int level, string task) => _taskGates[CheckLevel(level)][_index[CheckTask(task)]];

    /// <summary>The shared gate of <paramref name="level"/> (every task's experts in task order, then the shared ones), or null at the last level.</summary>
    public ExpertGate? SharedGate(int level) => _sharedGates[CheckLevel(level)];

    /// <summary>The width of the experts' outputs at <paramref name="level"/>.</summary>
    public int ExpertOutputSize(int level) => _widths[CheckLevel(level)];

    /// <summary>The tower of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public Module<Tensor, Tensor> Tower(string task) => _towers[_index[CheckTask(task)]];

    /// <summary>The parameters of the last level's shared experts' last <see cref="Linear"/>s.</summary>
    public override IReadOnlyList<Parameter> LastSharedParameters => _lastShared;

    /// <summary>The sum of the gates' penalties (DSelect-k's entropy regulariser), or null when no gate has one.</summary>
    public override Tensor? Penalty()
    {
        Tensor? total = null;
        foreach (var gate in _taskGates.SelectMany(g => g).Concat(_sharedGates.OfType<ExpertGate>()))
            if (gate.Penalty() is { } p) total = total is null ? p : total + p;
        return total;
    }

    /// <summary>Everything no single task owns (see the class remarks).</summary>
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedSharedParameters()
    {
        int last = LevelCount - 1;
        var prefixes = new List<string> { "input", "shared_experts", "shared_gates" };
        for (int l = 0; l < last; l++) prefixes.Add($"task_experts.{l}");
        for (int l = 0; l < last - 1; l++) prefixes.Add($"task_gates.{l}");
        return ParametersUnder([.. prefixes]);
    }

    /// <summary>The task's experts of the last level, its gates of the last two levels, and its tower.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedTaskParameters(string task)
    {
        CheckTask(task);
        int last = LevelCount - 1;
        var prefixes = new List<string> { $"task_experts.{last}.{task}", $"task_gates.{last}.{task}", $"towers.{task}" };
        if (last > 0) prefixes.Add($"task_gates.{last - 1}.{task}");
        return ParametersUnder([.. prefixes]);
    }

    /// <inheritdoc />
    public override TaskOutputs Forward(Tensor input)
    {
        var reps = Extract(input, only: null, record: null);
        var outputs = new List<KeyValuePair<string, Tensor>>(_towers.Length);
        for (int t = 0; t < _towers.Length; t++) outputs.Add(new(TaskNames[t], Tower(t, reps[t]!, input.Shape[0])));
        return new TaskOutputs(outputs);
    }

    /// <inheritdoc />
    public override Tensor ForwardTask(Tensor inputs, string task)
    {
        int t = _index[CheckTask(task)];
        var reps = Extract(inputs, only: t, record: null);
        return Tower(t, reps[t]!, inputs.Shape[0]);
    }

    /// <summary>Each task's gate weights at <paramref name="level"/> on <paramref name="inputs"/>, in evaluation mode without gradients.</summary>
    /// <param name="inputs">The inputs, [batch, features].</param>
    /// <param name="level">The level (0 … <see cref="LevelCount"/> − 1); null for the last.</param>
    /// <returns>Task → [batch, own + shared experts]: the task's own experts first, then the shared ones.</returns>
    public IReadOnlyDictionary<string, Tensor> GateWeights(Tensor inputs, int? level = null)
    {
        var record = Record(inputs, level, out int l);
        return Enumerable.Range(0, TaskNames.Count).ToDictionary(t => TaskNames[t], t => record[t]!, StringComparer.Ordinal);
    }

    /// <summary>The shared gate's weights at <paramref name="level"/> on <paramref name="inputs"/>, in evaluation mode without gradients.</summary>
    /// <param name="inputs">The inputs, [batch, features].</param>
    /// <param name="level">A level below the last.</param>
    /// <returns>[batch, all experts of the level]: every task's experts in task order, then the shared ones.</returns>
    /// <exception cref="ArgumentException">The last level, which has no shared gate.</exception>
    public Tensor SharedGateWeights(Tensor inputs, int level)
    {
        if (CheckLevel(level) == LevelCount - 1)
            throw new ArgumentException($"Level {level} is the last level, which has no shared gate; the shared gates are at levels 0 … {LevelCount - 2}.", nameof(level));
        return Record(inputs, level, out _)[^1]!;
    }

    /// <summary>
    /// The mean gate weight of each gate of <paramref name="level"/> on each of its experts over <paramref name="inputs"/>:
    /// one row per task (and a row "shared" for the shared gate below the last level), one column per expert of the level
    /// (each task's experts, then the shared ones), NaN where a gate does not mix the expert.
    /// </summary>
    /// <param name="inputs">The inputs, [batch, features].</param>
    /// <param name="level">The level; null for the last.</param>
    public ExpertUtilisation ExpertUtilisation(Tensor inputs, int? level = null)
    {
        var record = Record(inputs, level, out int l);
        var labels = new List<string>();
        var start = new int[TaskNames.Count];
        for (int t = 0; t < TaskNames.Count; t++)
        {
            start[t] = labels.Count;
            for (int i = 0; i < _own[l][t].Length; i++) labels.Add($"task_experts.{l}.{TaskNames[t]}.{i}");
        }
        int sharedStart = labels.Count;
        for (int i = 0; i < _shared[l].Length; i++) labels.Add($"shared_experts.{l}.{i}");
        bool hasShared = _sharedGates[l] is not null;
        var rows = TaskNames.ToList();
        if (hasShared) rows.Add("shared");
        var table = new double[rows.Count, labels.Count];
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < labels.Count; c++) table[r, c] = double.NaN;
        for (int t = 0; t < TaskNames.Count; t++)
        {
            var mean = ExpertModels.MeanWeights(record[t]!);
            int own = _own[l][t].Length;
            for (int i = 0; i < own; i++) table[t, start[t] + i] = mean[i];
            for (int i = 0; i < _shared[l].Length; i++) table[t, sharedStart + i] = mean[own + i];
        }
        if (hasShared)
        {
            var mean = ExpertModels.MeanWeights(record[^1]!);
            for (int c = 0; c < labels.Count; c++) table[rows.Count - 1, c] = mean[c];
        }
        return new ExpertUtilisation(rows, labels, table);
    }

    private Tensor?[] Record(Tensor inputs, int? level, out int l)
    {
        l = level is int given ? CheckLevel(given) : LevelCount - 1;
        using var scope = EvaluationScope();
        var record = new Tensor?[LevelCount][];
        for (int k = 0; k < LevelCount; k++) record[k] = new Tensor?[TaskNames.Count + 1];
        Extract(inputs, only: null, record);
        return record[l];
    }

    /// <summary>Runs the levels; returns each task's input to its tower (only <paramref name="only"/>'s when given).</summary>
    private Tensor?[] Extract(Tensor input, int? only, Tensor?[][]? record)
    {
        CheckInputs(input);
        int batch = input.Shape[0], tasks = TaskNames.Count;
        var z = InputLayers?.Forward(input) ?? input;
        var reps = new Tensor?[tasks];
        Array.Fill(reps, z);
        var shared = z;
        for (int l = 0; l < LevelCount; l++)
        {
            bool last = l == LevelCount - 1;
            int width = _widths[l];
            int level = l;
            var sharedOut = ExpertModels.Stack(_shared[l], shared, width, i => $"shared_experts.{level}.{i}");
            var ownOut = new Tensor?[tasks];
            var next = new Tensor?[tasks];
            for (int t = 0; t < tasks; t++)
            {
                // At the last level a single task's output needs only its own path.
                if (last && only is int o && o != t) continue;
                int task = t;
                if (_own[l][t].Length > 0)
                    ownOut[t] = ExpertModels.Stack(_own[l][t], reps[t]!, width, i => $"task_experts.{level}.{TaskNames[task]}.{i}");
                var gate = _taskGates[l][t];
                var weights = ExpertModels.CheckWeights(gate.Forward(reps[t]!), gate, batch, $"task_gates.{l}.{TaskNames[t]}");
                if (record is not null) record[l][t] = weights;
                var experts = ownOut[t] is { } mine ? Tensor.Cat([mine, sharedOut], 1) : sharedOut;
                next[t] = ExpertGate.Mix(experts, weights);
            }
            if (!last)
            {
                var gate = _sharedGates[l]!;
                var weights = ExpertModels.CheckWeights(gate.Forward(shared), gate, batch, $"shared_gates.{l}");
                if (record is not null) record[l][tasks] = weights;
                var all = ownOut.Where(o => o is not null).Select(o => o!).Append(sharedOut).ToList();
                shared = ExpertGate.Mix(all.Count == 1 ? all[0] : Tensor.Cat(all, 1), weights);
            }
            reps = next;
        }
        return reps;
    }

    private Tensor Tower(int t, Tensor rep, int batch)
    {
        var y = _towers[t].Forward(rep);
        CheckOutput(TaskNames[t], y, batch);
        return y;
    }

    private int CheckLevel(int level)
    {
        if (level < 0 || level >= LevelCount)
            throw new ArgumentOutOfRangeException(nameof(level), level, $"The model has levels 0 … {LevelCount - 1}, got {level}.");
        return level;
    }
}
