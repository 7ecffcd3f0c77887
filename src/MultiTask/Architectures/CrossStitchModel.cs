using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// Cross-stitch network: one column per task, split into stages; after every stage but the last, a
/// <see cref="CrossStitchUnit"/> mixes the tasks' activations, and the last stage is the task's head.
/// Parameters are named <c>columns.&lt;task&gt;.&lt;stage&gt;.*</c>, <c>stitches.&lt;k&gt;.alpha</c> and <c>heads.&lt;task&gt;.*</c>.
/// </summary>
/// <remarks>
/// Misra, Shrivastava, Gupta &amp; Hebert, "Cross-stitch Networks for Multi-task Learning", CVPR 2016.
/// Every task's loss reaches every stitched stage through α, so the stitched stages of all columns and the
/// units are the shared parameters, and each head (the last stage) belongs to its task. The paper trains
/// α with a larger learning rate than the columns; put <see cref="StitchUnits"/>' parameters in their own
/// optimizer parameter group to do so.
/// </remarks>
public sealed class CrossStitchModel : MultiTaskModel
{
    private readonly Module<Tensor, Tensor>[][] _stages;
    private readonly Module<Tensor, Tensor>[] _heads;
    private readonly CrossStitchUnit[] _units;
    private readonly int[] _widths;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    /// <summary>Creates the model from per-task stages.</summary>
    /// <param name="columns">
    /// Per task: name, output width and stages, applied in order; all tasks have the same number of stages (at
    /// least two), the last stage is the head ([batch, width] → [batch, outputSize]) and stage k &lt; last outputs
    /// [batch, <paramref name="stitchWidths"/>[k]] for every task.
    /// </param>
    /// <param name="stitchWidths">The output width of each stitched stage (one per stage but the last).</param>
    /// <param name="selfWeight">The initial α_ii (a); α_ij starts at (1 − a)/(T − 1).</param>
    /// <param name="perChannel">Learn one α matrix per channel instead of one per layer.</param>
    /// <param name="inputSize">The number of input features, if known, so that inputs are checked.</param>
    /// <exception cref="ArgumentException">Invalid tasks, unequal stage counts, fewer than two stages, or a width count that does not match.</exception>
    public CrossStitchModel(IReadOnlyList<(string Name, int OutputSize, IReadOnlyList<Module<Tensor, Tensor>> Stages)> columns,
        IReadOnlyList<int> stitchWidths, double selfWeight = 0.9, bool perChannel = false, int? inputSize = null)
        : base((columns ?? throw new ArgumentNullException(nameof(columns))).Select(c => (c.Name, c.OutputSize)), inputSize)
    {
        ArgumentNullException.ThrowIfNull(stitchWidths);
        int stageCount = columns[0].Stages?.Count ?? 0;
        foreach (var (name, _, stages) in columns)
        {
            if (stages is null || stages.Count != stageCount)
                throw new ArgumentException(
                    $"Cross-stitch columns need the same number of stages: task '{name}' has {stages?.Count ?? 0}, task '{columns[0].Name}' has {stageCount}.", nameof(columns));
            for (int s = 0; s < stages.Count; s++)
            {
                if (stages[s] is null) throw new ArgumentException($"Stage {s} of task '{name}' is null.", nameof(columns));
            }
        }
        if (stageCount < 2)
            throw new ArgumentException($"A cross-stitch column needs at least two stages (stitched layers, then the head), got {stageCount}.", nameof(columns));
        if (stitchWidths.Count != stageCount - 1)
            throw new ArgumentException($"Give one stitch width per stage but the last: {stageCount - 1} for {stageCount} stages, got {stitchWidths.Count}.", nameof(stitchWidths));
        _widths = stitchWidths.ToArray();
        var columnDict = Register("columns", new ModuleDict());
        var headDict = Register("heads", new ModuleDict());
        _stages = new Module<Tensor, Tensor>[columns.Count][];
        _heads = new Module<Tensor, Tensor>[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            var (name, _, stages) = columns[i];
            _stages[i] = stages.Take(stageCount - 1).ToArray();
            _heads[i] = stages[^1];
            columnDict.Add(name, new ModuleList(_stages[i]));
            headDict.Add(name, _heads[i]);
            _index[name] = i;
        }
        var units = Register("stitches", new ModuleList());
        _units = new CrossStitchUnit[stageCount - 1];
        for (int k = 0; k < _units.Length; k++)
        {
            _units[k] = new CrossStitchUnit(columns.Count, _widths[k], perChannel, selfWeight);
            units.Add(_units[k]);
        }
    }

    /// <summary>Builds MLP columns for the tasks of <paramref name="input"/>, a cross-stitch unit after each hidden layer, and MLP heads.</summary>
    /// <param name="input">The input width and tasks (<see cref="ModelInput.From"/> for a fitted encoder).</param>
    /// <param name="options">What to build; null for the defaults (columns [64, 64], a Linear head, α_ii = 0.9).</param>
    /// <param name="generator">The seeded source for initialisation and dropout (per task: input layers, stages, head).</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <remarks>Each column gets its own embedding tables when the encoder has embedding-encoded features; they are mixed after the first unit.</remarks>
    public static CrossStitchModel Create(ModelInput input, CrossStitchOptions? options = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= new CrossStitchOptions();
        options.Validate();
        var columns = new List<(string, int, IReadOnlyList<Module<Tensor, Tensor>>)>();
        foreach (var (name, size) in input.Tasks)
        {
            var stages = new List<Module<Tensor, Tensor>>();
            int width = input.InputSize;
            for (int i = 0; i < options.Hidden.Count; i++)
            {
                var stage = new Sequential();
                if (i == 0) width = input.AddInputLayers(stage, generator, options.EmbeddingSize);
                options.Mlp.AddLayer(stage, width, options.Hidden[i], generator, "hidden", i);
                stages.Add(stage);
                width = options.Hidden[i];
            }
            stages.Add(TaskHeads.Mlp(width, size, options.Head, options.Mlp, generator));
            columns.Add((name, size, stages));
        }
        return new CrossStitchModel(columns, [.. options.Hidden], options.SelfWeight, options.PerChannel, input.InputSize);
    }

    /// <summary>The cross-stitch units, one after each stitched stage.</summary>
    public IReadOnlyList<CrossStitchUnit> StitchUnits => _units;

    /// <summary>The stitched stages of <paramref name="task"/>'s column (without its head).</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public IReadOnlyList<Module<Tensor, Tensor>> Stages(string task) => _stages[_index[CheckTask(task)]];

    /// <summary>The head (last stage) of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public Module<Tensor, Tensor> Head(string task) => _heads[_index[CheckTask(task)]];

    /// <summary>The α of the last cross-stitch unit, the last layer every task's loss reaches.</summary>
    public override IReadOnlyList<Parameter> LastSharedParameters => [_units[^1].Alpha];

    /// <summary>The stitched stages of every column and the cross-stitch units (see the class remarks).</summary>
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedSharedParameters() => ParametersUnder("columns", "stitches");

    /// <summary>The head of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedTaskParameters(string task) => ParametersUnder("heads." + CheckTask(task));

    /// <inheritdoc />
    public override TaskOutputs Forward(Tensor input)
    {
        CheckInputs(input);
        var xs = Stitched(input);
        var outputs = new List<KeyValuePair<string, Tensor>>(xs.Length);
        for (int i = 0; i < xs.Length; i++)
        {
            var y = _heads[i].Forward(xs[i]);
            CheckOutput(TaskNames[i], y, input.Shape[0]);
            outputs.Add(new(TaskNames[i], y));
        }
        return new TaskOutputs(outputs);
    }

    /// <inheritdoc />
    public override Tensor ForwardTask(Tensor inputs, string task)
    {
        int i = _index[CheckTask(task)];
        CheckInputs(inputs);
        var y = _heads[i].Forward(Stitched(inputs)[i]);
        CheckOutput(task, y, inputs.Shape[0]);
        return y;
    }

    private Tensor[] Stitched(Tensor input)
    {
        var xs = new Tensor[_stages.Length];
        Array.Fill(xs, input);
        for (int k = 0; k < _units.Length; k++)
        {
            for (int i = 0; i < xs.Length; i++)
            {
                var x = _stages[i][k].Forward(xs[i]);
                if (x.Rank < 2 || x.Shape[0] != input.Shape[0] || x.Shape[^1] != _widths[k])
                    throw new InvalidOperationException(
                        $"Cross-stitch point {k} (after stage {k}): task '{TaskNames[i]}' produced shape [{string.Join(", ", x.Shape)}], " +
                        $"but the stage outputs must be [{input.Shape[0]}, {_widths[k]}] for every task (stitch width {_widths[k]}); " +
                        "make the stage widths equal across tasks and pass them as stitchWidths.");
                xs[i] = x;
            }
            xs = _units[k].Forward(xs);
        }
        return xs;
    }
}
