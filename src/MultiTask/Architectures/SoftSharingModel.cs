using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// Soft parameter sharing: one column (network) and head per task, of identical architecture, whose
/// corresponding parameters are pulled together by a squared-distance <see cref="Penalty"/>.
/// Parameters are named <c>columns.&lt;task&gt;.*</c> and <c>heads.&lt;task&gt;.*</c>.
/// </summary>
/// <remarks>
/// Duong, Cohn, Bird &amp; Cook, "Low Resource Dependency Parsing: Cross-lingual Parameter Sharing in a
/// Neural Network Parser", ACL 2015 (the ℓ2 distance between corresponding parameters); Yang &amp;
/// Hospedales, "Trace Norm Regularised Deep Multi-Task Learning", ICLR workshop 2017 (soft sharing by
/// a penalty on stacked per-task parameters). No parameter is shared: each column serves one task's
/// loss, so <see cref="NamedSharedParameters"/> is empty and the columns belong to their tasks. The
/// trainer adds <see cref="Penalty"/> to the objective.
/// </remarks>
public sealed class SoftSharingModel : MultiTaskModel
{
    private readonly Module<Tensor, Tensor>[] _columns;
    private readonly Module<Tensor, Tensor>[] _heads;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Parameter[][] _tied;

    /// <summary>Creates the model from one column and head per task.</summary>
    /// <param name="columns">
    /// Per task: name, output width, column (registered as <c>columns.&lt;name&gt;</c>) and head (reading the
    /// column's output, registered as <c>heads.&lt;name&gt;</c>). The columns must have the same parameter
    /// names and shapes across tasks, and so must the heads when <paramref name="penalizeHeads"/> is set.
    /// </param>
    /// <param name="strength">The penalty weight λ (≥ 0).</param>
    /// <param name="distance">How the distance between columns is measured.</param>
    /// <param name="penalizeHeads">Also tie the heads, not only the columns.</param>
    /// <param name="inputSize">The number of input features, if known, so that inputs are checked.</param>
    /// <exception cref="ArgumentException">Invalid tasks, a negative strength, or columns (heads) whose parameters do not correspond.</exception>
    public SoftSharingModel(IReadOnlyList<(string Name, int OutputSize, Module<Tensor, Tensor> Column, Module<Tensor, Tensor> Head)> columns,
        double strength = 1e-3, SoftSharingDistance distance = SoftSharingDistance.ToMean, bool penalizeHeads = false, int? inputSize = null)
        : base((columns ?? throw new ArgumentNullException(nameof(columns))).Select(c => (c.Name, c.OutputSize)), inputSize)
    {
        if (!(strength >= 0 && double.IsFinite(strength)))
            throw new ArgumentOutOfRangeException(nameof(strength), strength, $"The soft-sharing strength λ must be finite and ≥ 0, got {strength}.");
        if (!Enum.IsDefined(distance)) throw new ArgumentOutOfRangeException(nameof(distance), distance, "Unknown soft-sharing distance.");
        Strength = strength;
        Distance = distance;
        PenalizeHeads = penalizeHeads;
        var columnDict = Register("columns", new ModuleDict());
        var headDict = Register("heads", new ModuleDict());
        _columns = new Module<Tensor, Tensor>[columns.Count];
        _heads = new Module<Tensor, Tensor>[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            var (name, _, column, head) = columns[i];
            _columns[i] = column ?? throw new ArgumentException($"The column of task '{name}' is null.", nameof(columns));
            _heads[i] = head ?? throw new ArgumentException($"The head of task '{name}' is null.", nameof(columns));
            columnDict.Add(name, column);
            headDict.Add(name, head);
            _index[name] = i;
        }
        var tied = Correspond(_columns, "column", nameof(columns));
        if (penalizeHeads) tied.AddRange(Correspond(_heads, "head", nameof(penalizeHeads)));
        _tied = tied.ToArray();
    }

    /// <summary>Builds one MLP column and head per task of <paramref name="input"/>, tied as <paramref name="options"/> say.</summary>
    /// <param name="input">The input width and tasks (<see cref="ModelInput.From"/> for a fitted encoder).</param>
    /// <param name="options">What to build; null for the defaults (columns [64, 64], a Linear head, λ = 1e-3 to the mean).</param>
    /// <param name="generator">The seeded source for initialisation and dropout (per task: input layers, column, head).</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException">Invalid options, or tied heads for tasks of different output sizes.</exception>
    /// <remarks>Each column gets its own embedding tables when the encoder has embedding-encoded features; the penalty ties them.</remarks>
    public static SoftSharingModel Create(ModelInput input, SoftSharingOptions? options = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= new SoftSharingOptions();
        options.Validate();
        var columns = new List<(string, int, Module<Tensor, Tensor>, Module<Tensor, Tensor>)>();
        foreach (var (name, size) in input.Tasks)
        {
            var column = new Sequential();
            int width = options.Mlp.AddHidden(column, input.AddInputLayers(column, generator, options.EmbeddingSize), options.Hidden, generator, "hidden");
            columns.Add((name, size, column, TaskHeads.Mlp(width, size, options.Head, options.Mlp, generator)));
        }
        return new SoftSharingModel(columns, options.Strength, options.Distance, options.PenalizeHeads, input.InputSize);
    }

    /// <summary>The penalty weight λ.</summary>
    public double Strength { get; }

    /// <summary>How the distance between columns is measured.</summary>
    public SoftSharingDistance Distance { get; }

    /// <summary>Whether the heads are tied too, not only the columns.</summary>
    public bool PenalizeHeads { get; }

    /// <summary>The column of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public Module<Tensor, Tensor> Column(string task) => _columns[_index[CheckTask(task)]];

    /// <summary>The head of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public Module<Tensor, Tensor> Head(string task) => _heads[_index[CheckTask(task)]];

    /// <summary>
    /// λ·Σ_i ‖θ_i − θ̄‖² (<see cref="SoftSharingDistance.ToMean"/>) or λ·Σ_{i&lt;j} ‖θ_i − θ_j‖²
    /// (<see cref="SoftSharingDistance.Pairwise"/>), summed over all corresponding parameters of the
    /// columns (and heads, with <see cref="PenalizeHeads"/>); a scalar that requires grad.
    /// </summary>
    public override Tensor Penalty()
    {
        int t = _columns.Length;
        Tensor? total = null;
        foreach (var group in _tied)
        {
            var stacked = Tensor.Stack(group);
            var deviation = stacked - stacked.Mean(0, keepDim: true);
            var term = deviation.Square().Sum();
            total = total is null ? term : total + term;
        }
        if (total is null) return Tensor.Scalar(0f);
        // Σ_{i<j} ‖θ_i − θ_j‖² = T·Σ_i ‖θ_i − θ̄‖², so both distances share one pass over the parameters.
        double scale = Distance == SoftSharingDistance.Pairwise ? Strength * t : Strength;
        return total * (float)scale;
    }

    /// <summary>Nothing: each column serves one task (see the class remarks).</summary>
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedSharedParameters() => [];

    /// <inheritdoc />
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedTaskParameters(string task)
    {
        CheckTask(task);
        return ParametersUnder("columns." + task, "heads." + task);
    }

    /// <inheritdoc />
    public override TaskOutputs Forward(Tensor input)
    {
        CheckInputs(input);
        var outputs = new List<KeyValuePair<string, Tensor>>(_columns.Length);
        for (int i = 0; i < _columns.Length; i++) outputs.Add(new(TaskNames[i], Run(i, input)));
        return new TaskOutputs(outputs);
    }

    /// <inheritdoc />
    public override Tensor ForwardTask(Tensor inputs, string task)
    {
        int i = _index[CheckTask(task)];
        CheckInputs(inputs);
        return Run(i, inputs);
    }

    private Tensor Run(int i, Tensor input)
    {
        var y = _heads[i].Forward(_columns[i].Forward(input));
        CheckOutput(TaskNames[i], y, input.Shape[0]);
        return y;
    }

    private List<Parameter[]> Correspond(Module<Tensor, Tensor>[] modules, string what, string argument)
    {
        var reference = modules[0].NamedParameters().ToList();
        var groups = reference.Select(p => new Parameter[modules.Length]).ToList();
        for (int i = 0; i < modules.Length; i++)
        {
            var own = modules[i].NamedParameters().ToList();
            var names = own.Select(p => p.Key).ToList();
            if (!names.SequenceEqual(reference.Select(p => p.Key)))
                throw new ArgumentException(
                    $"Soft sharing ties corresponding parameters, but the {what} of task '{TaskNames[i]}' has parameters [{string.Join(", ", names)}] " +
                    $"while the {what} of task '{TaskNames[0]}' has [{string.Join(", ", reference.Select(p => p.Key))}]; give every task the same {what} architecture.", argument);
            for (int k = 0; k < own.Count; k++)
            {
                var (name, p) = own[k];
                var r = reference[k].Value;
                if (!p.Shape.SequenceEqual(r.Shape))
                    throw new ArgumentException(
                        $"Soft sharing ties corresponding parameters, but '{name}' of task '{TaskNames[i]}'s {what} has shape [{string.Join(", ", p.Shape)}] " +
                        $"while task '{TaskNames[0]}' has [{string.Join(", ", r.Shape)}]" +
                        (what == "head" ? "; the tasks' output sizes differ, so tie the columns only (penalizeHeads: false)." : "; give every task the same layer widths."), argument);
                groups[k][i] = p;
            }
        }
        return groups;
    }
}
