using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// The base of every multi-task architecture: a module that maps inputs [batch, features] to one
/// output [batch, <see cref="OutputSize"/>] per task, and says which of its parameters are shared
/// between tasks and which belong to one task.
/// </summary>
/// <remarks>
/// <para>
/// <b>Shared parameters</b> are those that more than one task's loss reaches: the backbone of a
/// hard-sharing model, the stitched columns and cross-stitch units of a cross-stitch model, none for
/// soft sharing (each column serves one task; the coupling is the <see cref="Penalty"/>, not a task
/// loss). Gradient-balancing methods operate on <see cref="SharedParameters"/>; the shared parameters
/// and the <see cref="TaskParameters"/> of all tasks partition <see cref="Module.Parameters"/> exactly.
/// </para>
/// <para>
/// <b>Freezing.</b> A frozen parameter has <see cref="Tensor.RequiresGrad"/> = false, so backward gives it
/// no gradient; its <see cref="Tensor.Grad"/> is cleared when it is frozen and stays null, so optimizers
/// skip it entirely (no update, no weight decay, no momentum). Freeze and unfreeze between steps, at any
/// point of training; an optimizer built over all parameters picks unfrozen ones up again by itself.
/// </para>
/// <para>
/// A new architecture derives from this class, registers its modules, and implements
/// <see cref="Module{TInput, TOutput}.Forward"/>, <see cref="NamedSharedParameters"/> and
/// <see cref="NamedTaskParameters"/>; the other members have sensible defaults.
/// </para>
/// </remarks>
public abstract class MultiTaskModel : Module<Tensor, TaskOutputs>
{
    private readonly string[] _taskNames;
    private readonly Dictionary<string, int> _outputSizes = new(StringComparer.Ordinal);

    /// <summary>Validates and records the tasks.</summary>
    /// <param name="tasks">Each task's name (unique, non-empty, without '.') and output width (positive).</param>
    /// <param name="inputSize">The number of input features, when the architecture knows it; null otherwise.</param>
    /// <exception cref="ArgumentException">No tasks, a duplicate or invalid name, or a non-positive width.</exception>
    protected MultiTaskModel(IEnumerable<(string Name, int OutputSize)> tasks, int? inputSize)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var list = tasks.ToList();
        CheckTaskList(list, nameof(tasks));
        foreach (var (name, size) in list) _outputSizes.Add(name, size);
        if (inputSize is <= 0)
            throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, $"The input size must be positive, got {inputSize}.");
        _taskNames = list.Select(t => t.Name).ToArray();
        InputSize = inputSize;
    }

    /// <summary>Checks a task list: at least one task, names unique, non-empty and without '.', output widths positive.</summary>
    internal static void CheckTaskList(IReadOnlyList<(string Name, int OutputSize)> list, string argument)
    {
        if (list.Count == 0)
            throw new ArgumentException("A multi-task model needs at least one task; pass (name, outputSize) pairs, e.g. [(\"price\", 1)].", argument);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, size) in list)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException("Task names must not be empty.", argument);
            if (name.Contains('.'))
                throw new ArgumentException($"Task name '{name}' contains '.', which separates parameter names (heads.<task>.0.weight); rename the task.", argument);
            if (size <= 0)
                throw new ArgumentException($"Task '{name}' has output size {size}; it must be at least 1.", argument);
            if (!seen.Add(name))
                throw new ArgumentException($"Task name '{name}' appears more than once; task names must be unique (got {string.Join(", ", list.Select(t => $"'{t.Name}'"))}).", argument);
        }
    }

    /// <summary>The task names, in the order of the outputs.</summary>
    public IReadOnlyList<string> TaskNames => _taskNames;

    /// <summary>The number of input features the model expects, or null when it was built from user modules of unknown input width.</summary>
    public int? InputSize { get; }

    /// <summary>The width of <paramref name="task"/>'s output.</summary>
    /// <exception cref="ArgumentException">Unknown task; the message lists the known ones.</exception>
    public int OutputSize(string task) => _outputSizes[CheckTask(task)];

    /// <summary>
    /// The parameters of the last shared layer or layers — the last parameters that every task's loss flows
    /// through — for methods such as GradNorm that measure per-task gradient norms there; empty when nothing
    /// is shared. The trainer passes them to <see cref="Weighting.WeightingContext.LastSharedParameters"/>.
    /// </summary>
    /// <remarks>
    /// A hard-sharing model has one such layer, its backbone's last layer (weight and bias). A model with several
    /// shared blocks that the tasks read side by side — the experts of a mixture-of-experts model, the columns of
    /// a cross-stitch network — has several last shared layers, and the list spans all of them (e.g. every
    /// expert's output layer), so that a norm measured on it covers every path from a task into the shared part.
    /// Every entry must also be one of <see cref="NamedSharedParameters"/>.
    /// </remarks>
    public virtual IReadOnlyList<Parameter> LastSharedParameters => [];

    /// <summary>
    /// A regularisation term that the trainer adds to the weighted sum of task losses (e.g. the distance
    /// between soft-shared columns), or null when the architecture has none. Recomputed on each call.
    /// </summary>
    public virtual Tensor? Penalty() => null;

    /// <summary>The shared parameters with their dotted names (<c>backbone.0.weight</c>); see the class remarks for what counts as shared.</summary>
    public abstract IEnumerable<KeyValuePair<string, Parameter>> NamedSharedParameters();

    /// <summary>The parameters that only <paramref name="task"/>'s output depends on, with their dotted names (<c>heads.price.0.weight</c>).</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public abstract IEnumerable<KeyValuePair<string, Parameter>> NamedTaskParameters(string task);

    /// <summary>The shared parameters (what gradient-balancing methods operate on).</summary>
    /// <param name="trainableOnly">Leave out frozen parameters (those that do not require grad).</param>
    public IReadOnlyList<Parameter> SharedParameters(bool trainableOnly = false) =>
        NamedSharedParameters().Select(p => p.Value).Where(p => !trainableOnly || p.RequiresGrad).ToList();

    /// <summary>The parameters that belong to <paramref name="task"/> alone.</summary>
    /// <param name="task">The task name.</param>
    /// <param name="trainableOnly">Leave out frozen parameters (those that do not require grad).</param>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public IReadOnlyList<Parameter> TaskParameters(string task, bool trainableOnly = false) =>
        NamedTaskParameters(task).Select(p => p.Value).Where(p => !trainableOnly || p.RequiresGrad).ToList();

    /// <summary>The output of one task; architectures override it to skip the other tasks' heads.</summary>
    /// <param name="inputs">The inputs, [batch, features].</param>
    /// <param name="task">The task name.</param>
    /// <returns>[batch, <see cref="OutputSize"/>(task)].</returns>
    /// <exception cref="ArgumentException">Unknown task or badly shaped inputs.</exception>
    public virtual Tensor ForwardTask(Tensor inputs, string task)
    {
        CheckTask(task);
        return Forward(inputs)[task];
    }

    /// <summary>Freezes the shared parameters (e.g. to fine-tune the heads of a pre-trained backbone).</summary>
    /// <returns>This model.</returns>
    public MultiTaskModel FreezeShared() => SetTrainable(NamedSharedParameters(), false);

    /// <summary>Makes the shared parameters trainable again.</summary>
    /// <returns>This model.</returns>
    public MultiTaskModel UnfreezeShared() => SetTrainable(NamedSharedParameters(), true);

    /// <summary>Freezes the parameters of <paramref name="task"/> alone.</summary>
    /// <returns>This model.</returns>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public MultiTaskModel FreezeTask(string task) => SetTrainable(NamedTaskParameters(CheckTask(task)), false);

    /// <summary>Makes the parameters of <paramref name="task"/> trainable again.</summary>
    /// <returns>This model.</returns>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public MultiTaskModel UnfreezeTask(string task) => SetTrainable(NamedTaskParameters(CheckTask(task)), true);

    /// <summary>
    /// Freezes every parameter whose dotted name is <paramref name="prefix"/> or starts with
    /// <paramref name="prefix"/> followed by '.', e.g. <c>"backbone.0"</c> for the first backbone layer.
    /// </summary>
    /// <returns>This model.</returns>
    /// <exception cref="ArgumentException">No parameter has that prefix; the message lists the model's blocks.</exception>
    public MultiTaskModel Freeze(string prefix) => SetTrainable(WithPrefix(prefix), false);

    /// <summary>Makes the parameters under <paramref name="prefix"/> trainable again (see <see cref="Freeze(string)"/>).</summary>
    /// <returns>This model.</returns>
    /// <exception cref="ArgumentException">No parameter has that prefix.</exception>
    public MultiTaskModel Unfreeze(string prefix) => SetTrainable(WithPrefix(prefix), true);

    /// <summary>Freezes every parameter of <paramref name="block"/>, which must be part of this model.</summary>
    /// <returns>This model.</returns>
    /// <exception cref="ArgumentException">The block is not a module of this model.</exception>
    public MultiTaskModel Freeze(Module block) => SetTrainable(OwnBlock(block), false);

    /// <summary>Makes every parameter of <paramref name="block"/>, which must be part of this model, trainable again.</summary>
    /// <returns>This model.</returns>
    /// <exception cref="ArgumentException">The block is not a module of this model.</exception>
    public MultiTaskModel Unfreeze(Module block) => SetTrainable(OwnBlock(block), true);

    // The shortcuts below build the built-in architectures from hidden sizes; each is one call of the architecture's
    // own Create(ModelInput, options, generator), which architectures of your own can mirror.

    /// <summary>Builds a hard-sharing model with an MLP backbone and MLP heads; a shortcut for <see cref="HardSharingModel.Create"/>.</summary>
    /// <param name="inputSize">The number of input features.</param>
    /// <param name="tasks">Each task's name and output width.</param>
    /// <param name="backbone">The backbone's hidden sizes, e.g. <c>[64, 64]</c>; empty for no shared layers.</param>
    /// <param name="head">Each head's hidden sizes before its output layer; null or empty for a single <c>Linear</c>.</param>
    /// <param name="options">Activation, dropout and layer norm of the hidden layers.</param>
    /// <param name="customHeads">User heads by task name, replacing the MLP head of those tasks; each reads the backbone output and returns [batch, outputSize].</param>
    /// <param name="generator">The random source for initialisation and dropout.</param>
    /// <returns>The model.</returns>
    public static HardSharingModel HardSharing(int inputSize, IReadOnlyList<(string Name, int OutputSize)> tasks, int[] backbone,
        int[]? head = null, MlpOptions? options = null, IReadOnlyDictionary<string, Module<Tensor, Tensor>>? customHeads = null,
        Generator? generator = null) =>
        HardSharingModel.Create(new ModelInput(inputSize, tasks), HardSharingOptions.Of(backbone, head, options, customHeads), generator);

    /// <summary>Builds a hard-sharing model around a user backbone, with MLP heads and/or user heads (<see cref="HardSharingModel"/>).</summary>
    /// <param name="backbone">Any module mapping [batch, features] to [batch, <paramref name="backboneOutputSize"/>].</param>
    /// <param name="backboneOutputSize">The width of the backbone's output, which every head reads.</param>
    /// <param name="tasks">Each task's name and output width.</param>
    /// <param name="head">Each MLP head's hidden sizes before its output layer; null or empty for a single <c>Linear</c>.</param>
    /// <param name="options">Activation, dropout and layer norm of the heads' hidden layers.</param>
    /// <param name="customHeads">User heads by task name, replacing the MLP head of those tasks.</param>
    /// <param name="generator">The random source for initialisation and dropout.</param>
    /// <param name="inputSize">The number of input features, if known, so that inputs are checked.</param>
    /// <returns>The model.</returns>
    public static HardSharingModel HardSharing(Module<Tensor, Tensor> backbone, int backboneOutputSize, IReadOnlyList<(string Name, int OutputSize)> tasks,
        int[]? head = null, MlpOptions? options = null, IReadOnlyDictionary<string, Module<Tensor, Tensor>>? customHeads = null,
        Generator? generator = null, int? inputSize = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(backboneOutputSize);
        return new HardSharingModel(backbone, backboneOutputSize, TaskHeads.Build(tasks, backboneOutputSize, head, options, customHeads, generator), inputSize);
    }

    /// <summary>
    /// Builds a hard-sharing model for the tasks and the encoded input width of a fitted
    /// <see cref="FeatureEncoder"/> (the usual path: one output per task, sized by its kind); a shortcut for
    /// <see cref="HardSharingModel.Create"/>.
    /// </summary>
    /// <param name="encoder">The encoder fitted on the training data; gives the input width and the tasks.</param>
    /// <param name="backbone">Hidden sizes of the shared MLP backbone.</param>
    /// <param name="head">Hidden sizes of each task's MLP head (none: a single Linear).</param>
    /// <param name="options">Activation, dropout and normalisation of the MLPs.</param>
    /// <param name="customHeads">User heads by task name, replacing the MLP head of those tasks.</param>
    /// <param name="generator">The seeded source for weight initialisation.</param>
    /// <param name="tasks">The task names to build (default: all of the encoder's tasks), e.g. one task for a single-task baseline.</param>
    public static HardSharingModel HardSharing(FeatureEncoder encoder, int[] backbone, int[]? head = null, MlpOptions? options = null,
        IReadOnlyDictionary<string, Module<Tensor, Tensor>>? customHeads = null, Generator? generator = null, IReadOnlyList<string>? tasks = null) =>
        HardSharingModel.Create(ModelInput.From(encoder, tasks), HardSharingOptions.Of(backbone, head, options, customHeads), generator);

    /// <summary>Builds a hard-sharing model for a fitted <see cref="FeatureEncoder"/> with every option of <see cref="HardSharingOptions"/>; a shortcut for <see cref="HardSharingModel.Create"/>.</summary>
    /// <param name="encoder">The encoder fitted on the training data; gives the input columns and the tasks.</param>
    /// <param name="options">What to build (see <see cref="HardSharingOptions"/>).</param>
    /// <param name="generator">The seeded source for weight initialisation and dropout.</param>
    /// <param name="tasks">The task names to build (default: all of the encoder's tasks).</param>
    /// <returns>The model; <see cref="InputSize"/> is the encoder's width.</returns>
    public static HardSharingModel HardSharing(FeatureEncoder encoder, HardSharingOptions options, Generator? generator = null,
        IReadOnlyList<string>? tasks = null) =>
        HardSharingModel.Create(ModelInput.From(encoder, tasks), options, generator);

    /// <summary>Builds a soft-sharing model for a fitted <see cref="FeatureEncoder"/>'s tasks and input width; a shortcut for <see cref="SoftSharingModel.Create"/>.</summary>
    /// <param name="encoder">The encoder fitted on the training data.</param>
    /// <param name="hidden">Hidden sizes of each task's column.</param>
    /// <param name="head">Hidden sizes of each task's head.</param>
    /// <param name="strength">The penalty's λ.</param>
    /// <param name="distance">How the columns' parameters are compared.</param>
    /// <param name="penalizeHeads">Also tie the heads (not only the hidden layers).</param>
    /// <param name="options">Activation, dropout and normalisation of the MLPs.</param>
    /// <param name="generator">The seeded source for weight initialisation.</param>
    /// <param name="tasks">The task names to build (default: all of the encoder's tasks).</param>
    public static SoftSharingModel SoftSharing(FeatureEncoder encoder, int[] hidden, int[]? head = null, double strength = 1e-3,
        SoftSharingDistance distance = SoftSharingDistance.ToMean, bool penalizeHeads = false, MlpOptions? options = null,
        Generator? generator = null, IReadOnlyList<string>? tasks = null) =>
        SoftSharingModel.Create(ModelInput.From(encoder, tasks), SoftSharingOptions.Of(hidden, head, strength, distance, penalizeHeads, options), generator);

    /// <summary>Builds a soft-sharing model: one MLP column and head per task, tied by a parameter-distance penalty; a shortcut for <see cref="SoftSharingModel.Create"/>.</summary>
    /// <param name="inputSize">The number of input features.</param>
    /// <param name="tasks">Each task's name and output width.</param>
    /// <param name="hidden">Each column's hidden sizes, e.g. <c>[64, 64]</c> (at least one).</param>
    /// <param name="head">Each head's hidden sizes before its output layer; null or empty for a single <c>Linear</c>.</param>
    /// <param name="strength">The penalty weight λ (≥ 0).</param>
    /// <param name="distance">How the distance between columns is measured.</param>
    /// <param name="penalizeHeads">Also tie the heads (all tasks must then have the same output width).</param>
    /// <param name="options">Activation, dropout and layer norm of the hidden layers.</param>
    /// <param name="generator">The random source for initialisation and dropout.</param>
    /// <returns>The model.</returns>
    public static SoftSharingModel SoftSharing(int inputSize, IReadOnlyList<(string Name, int OutputSize)> tasks, int[] hidden,
        int[]? head = null, double strength = 1e-3, SoftSharingDistance distance = SoftSharingDistance.ToMean, bool penalizeHeads = false,
        MlpOptions? options = null, Generator? generator = null) =>
        SoftSharingModel.Create(new ModelInput(inputSize, tasks), SoftSharingOptions.Of(hidden, head, strength, distance, penalizeHeads, options), generator);

    /// <summary>Builds a cross-stitch model for a fitted <see cref="FeatureEncoder"/>'s tasks and input width; a shortcut for <see cref="CrossStitchModel.Create"/>.</summary>
    /// <param name="encoder">The encoder fitted on the training data.</param>
    /// <param name="hidden">Hidden sizes of each task's column; a cross-stitch unit follows each.</param>
    /// <param name="head">Hidden sizes of each task's head.</param>
    /// <param name="selfWeight">The initial weight a task gives its own column.</param>
    /// <param name="options">Activation, dropout and normalisation of the MLPs.</param>
    /// <param name="generator">The seeded source for weight initialisation.</param>
    /// <param name="tasks">The task names to build (default: all of the encoder's tasks).</param>
    /// <param name="perChannel">Learn one α matrix per channel instead of one per layer.</param>
    public static CrossStitchModel CrossStitch(FeatureEncoder encoder, int[] hidden, int[]? head = null, double selfWeight = 0.9,
        MlpOptions? options = null, Generator? generator = null, IReadOnlyList<string>? tasks = null, bool perChannel = false) =>
        CrossStitchModel.Create(ModelInput.From(encoder, tasks), CrossStitchOptions.Of(hidden, head, selfWeight, perChannel, options), generator);

    /// <summary>Builds a cross-stitch network of MLP columns, one stitched stage per hidden layer; a shortcut for <see cref="CrossStitchModel.Create"/>.</summary>
    /// <param name="inputSize">The number of input features.</param>
    /// <param name="tasks">Each task's name and output width.</param>
    /// <param name="hidden">Each column's hidden sizes (at least one); a cross-stitch unit follows each hidden layer.</param>
    /// <param name="head">Each head's hidden sizes before its output layer; null or empty for a single <c>Linear</c>.</param>
    /// <param name="selfWeight">The initial α_ii (a); α_ij starts at (1 − a)/(T − 1).</param>
    /// <param name="perChannel">Learn one α matrix per channel instead of one per layer.</param>
    /// <param name="options">Activation, dropout and layer norm of the hidden layers.</param>
    /// <param name="generator">The random source for initialisation and dropout.</param>
    /// <returns>The model.</returns>
    public static CrossStitchModel CrossStitch(int inputSize, IReadOnlyList<(string Name, int OutputSize)> tasks, int[] hidden,
        int[]? head = null, double selfWeight = 0.9, bool perChannel = false, MlpOptions? options = null, Generator? generator = null) =>
        CrossStitchModel.Create(new ModelInput(inputSize, tasks), CrossStitchOptions.Of(hidden, head, selfWeight, perChannel, options), generator);

    /// <summary>Checks that <paramref name="task"/> is one of <see cref="TaskNames"/>.</summary>
    /// <returns>The task name.</returns>
    /// <exception cref="ArgumentException">Unknown task; the message lists the known ones.</exception>
    protected string CheckTask(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!_outputSizes.ContainsKey(task))
            throw new ArgumentException($"Unknown task '{task}'; the model's tasks are: {string.Join(", ", _taskNames.Select(t => $"'{t}'"))}.", nameof(task));
        return task;
    }

    /// <summary>Checks that <paramref name="inputs"/> is [batch, <see cref="InputSize"/>] (any width when unknown).</summary>
    /// <exception cref="ArgumentException">The inputs are not a matrix or have the wrong width.</exception>
    protected void CheckInputs(Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Rank != 2)
            throw new ArgumentException($"{GetType().Name} expects inputs of shape [batch, features], got shape [{string.Join(", ", inputs.Shape)}].", nameof(inputs));
        if (InputSize is int f && inputs.Shape[1] != f)
            throw new ArgumentException($"{GetType().Name} expects {f} input features, got {inputs.Shape[1]} (inputs of shape [{string.Join(", ", inputs.Shape)}]).", nameof(inputs));
    }

    /// <summary>Checks that <paramref name="output"/>, produced by <paramref name="task"/>'s head, is [batch, <see cref="OutputSize"/>(task)].</summary>
    /// <exception cref="InvalidOperationException">The head returned another shape.</exception>
    protected void CheckOutput(string task, Tensor output, int batch)
    {
        int size = _outputSizes[task];
        if (output is null || output.Rank != 2 || output.Shape[0] != batch || output.Shape[1] != size)
            throw new InvalidOperationException(
                $"The head of task '{task}' returned shape [{(output is null ? "null" : string.Join(", ", output.Shape))}], expected [{batch}, {size}] " +
                $"(batch, the task's output size); fix the head or the task's output size.");
    }

    /// <summary>The parameters whose dotted names are one of <paramref name="prefixes"/> or start with one followed by '.'.</summary>
    protected IEnumerable<KeyValuePair<string, Parameter>> ParametersUnder(params string[] prefixes) =>
        NamedParameters().Where(p => prefixes.Any(prefix => HasPrefix(p.Key, prefix)));

    private static bool HasPrefix(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) && (name.Length == prefix.Length || name[prefix.Length] == '.');

    private List<KeyValuePair<string, Parameter>> WithPrefix(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var found = ParametersUnder(prefix).ToList();
        if (found.Count == 0)
        {
            var blocks = NamedModules().Where(m => m.Key.Length > 0 && m.Value.Parameters().Any()).Select(m => m.Key).Take(40);
            throw new ArgumentException($"No parameter of {GetType().Name} is named '{prefix}' or starts with '{prefix}.'; its blocks are: {string.Join(", ", blocks)}.", nameof(prefix));
        }
        return found;
    }

    private IEnumerable<KeyValuePair<string, Parameter>> OwnBlock(Module block)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (!Modules().Any(m => ReferenceEquals(m, block)))
            throw new ArgumentException($"The {block.GetType().Name} to freeze is not part of this {GetType().Name}; pass one of its modules or a name prefix such as 'backbone.0'.", nameof(block));
        return block.NamedParameters();
    }

    private MultiTaskModel SetTrainable(IEnumerable<KeyValuePair<string, Parameter>> parameters, bool trainable)
    {
        foreach (var (_, p) in parameters.ToList())
        {
            p.RequiresGrad = trainable;
            // A gradient left from before freezing would still be applied by the next optimizer step.
            if (!trainable) p.Grad = null;
        }
        return this;
    }
}
