using MultiTask.Data;
using MultiTask.Engine.Losses;
using MultiTask.Metrics;

namespace MultiTask.Tasks;

/// <summary>
/// One task of a multi-task model: its name, what it predicts, the input features it uses and the
/// column(s) its labels come from. Create one with the factories (<see cref="Regression"/>,
/// <see cref="Binary"/>, <see cref="Multiclass(string, int, IReadOnlyList{string}, string?, double)"/>,
/// <see cref="Multilabel"/>, <see cref="Custom"/>) and adjust it with <c>with { ... }</c>.
/// </summary>
/// <remarks>
/// <para>Targets are stored per row with a label mask: a row whose label cell is empty, NaN, or that
/// comes from a table (or a routed row) that does not label this task, has mask 0 and contributes
/// nothing to this task's loss or metrics.</para>
/// <para>Width of the stored target per row (<see cref="TargetWidth"/>): 1 for regression, binary and
/// multiclass (the class index), L for multilabel and custom. Width of the model output
/// (<see cref="OutputSize"/>): 1 for regression and binary, C for multiclass, L for multilabel and,
/// for custom, <see cref="CustomOutputSize"/> or else the target width.</para>
/// </remarks>
public sealed record TaskSpec
{
    /// <summary>The task name, unique (ignoring case) among the tasks of a model.</summary>
    public required string Name { get; init; }

    /// <summary>What the task predicts.</summary>
    public required TaskKind Kind { get; init; }

    /// <summary>
    /// The input features this task uses, by schema name. The shared input of every row holds all
    /// schema features; this list says which of them the task needs (a table labelling the task must
    /// provide them) and gives an architecture the columns for a per-task input encoder
    /// (<see cref="FeatureEncoder.TaskColumns(string)"/>).
    /// </summary>
    public required IReadOnlyList<string> Features { get; init; }

    /// <summary>
    /// The column(s) the labels are read from: one column for regression, binary and multiclass tasks
    /// (default: the task name), one column per label for multilabel and custom tasks.
    /// </summary>
    public required IReadOnlyList<string> Targets { get; init; }

    /// <summary>The single target column of a one-column task.</summary>
    /// <exception cref="InvalidOperationException">The task has several target columns.</exception>
    public string Target => Targets.Count == 1
        ? Targets[0]
        : throw new InvalidOperationException(
            $"Task '{Name}' has {Targets.Count} target columns ({string.Join(", ", Targets)}); use Targets instead of Target.");

    /// <summary>The number of classes of a multiclass task; 0 for other kinds.</summary>
    public int ClassCount { get; init; }

    /// <summary>
    /// Optional class names of a multiclass task, in class-index order. When set, labels are read as
    /// these names (exact, case-sensitive match); when null, labels are class indices 0..C-1.
    /// </summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>
    /// A static multiplier of this task's training loss (default 1; must be finite and non-negative).
    /// </summary>
    /// <remarks>
    /// The trainer multiplies each batch loss of the task by <c>Weight</c> before the
    /// <see cref="Training.TrainerOptions.Weighting"/> strategy sees it, so the two compose: the strategy's
    /// weight wᵢ applies to <c>Weight·Lᵢ</c>, and an epoch record's <c>weight.&lt;task&gt;</c> is the product
    /// wᵢ·Weight. With <see cref="Weighting.EqualWeighting"/> the objective is Σᵢ Weightᵢ·Lᵢ. Recorded losses
    /// (<c>loss.&lt;task&gt;</c>, <c>val_loss</c>) and metrics stay unweighted. A task of weight 0 is evaluated
    /// but contributes no gradient. Strategies that rescale losses themselves (uncertainty weighting,
    /// GradNorm, DWA's ratios) largely undo a static weight; it matters most with equal or static weighting.
    /// </remarks>
    public double Weight { get; init; } = 1.0;

    /// <summary>
    /// How a regression target is transformed for training (the <see cref="Regression"/> factory sets
    /// <see cref="Tasks.TargetTransform.Standardize"/>; must be <see cref="Tasks.TargetTransform.None"/>
    /// for other kinds). Predictions and metrics are always mapped back to the user's units with
    /// <see cref="FeatureEncoder.InverseTarget(string, float[])"/>.
    /// </summary>
    public TargetTransform TargetTransform { get; init; }

    /// <summary>
    /// Shorthand for <see cref="TargetTransform"/>: true when the target is transformed (standardised,
    /// possibly after a log or Yeo-Johnson step). Setting it to true turns
    /// <see cref="Tasks.TargetTransform.None"/> into <see cref="Tasks.TargetTransform.Standardize"/> and
    /// keeps any other transform; false sets <see cref="Tasks.TargetTransform.None"/>.
    /// </summary>
    public bool StandardizeTarget
    {
        get => TargetTransform != TargetTransform.None;
        init => TargetTransform = !value ? TargetTransform.None
            : TargetTransform == TargetTransform.None ? TargetTransform.Standardize : TargetTransform;
    }

    /// <summary>
    /// Shared standardisation: regression tasks that predict the same quantity (e.g. house and condo
    /// prices) and name the same group share one mean and standard deviation, fitted on the pooled
    /// labelled training rows of all of them (after their log or Yeo-Johnson step, whose λ is then
    /// fitted on the pooled labels too, so a value means the same in every task of the group). All tasks
    /// of a group must use the same <see cref="TargetTransform"/>, other than None. Null (the default):
    /// the task is standardised on its own labels.
    /// </summary>
    public string? TargetGroup { get; init; }

    /// <summary>
    /// The loss of this task, or null for the default of its kind: <see cref="MseLoss"/> (regression),
    /// <see cref="BceWithLogitsLoss"/> on the logits (binary, multilabel), <see cref="CrossEntropyLoss"/> on the
    /// logits with class-index targets (multiclass). A custom task has no default and must set it. The
    /// trainer passes the label mask as the per-element weight, so a missing label contributes nothing.
    /// </summary>
    public Loss? Loss { get; init; }

    /// <summary>
    /// The metrics reported for this task (in the user's units), or null for the default set of its kind
    /// (<see cref="StandardMetrics.ForTask"/>; none for a custom task). The first one is the task's main
    /// metric. The trainer works on clones, so these instances are never mutated.
    /// </summary>
    public IReadOnlyList<Metric>? Metrics { get; init; }

    /// <summary>How many target values each row stores: 1 (regression, binary, multiclass index) or L.</summary>
    public int TargetWidth => Kind == TaskKind.Multiclass ? 1 : Targets.Count;

    /// <summary>
    /// For a custom task whose head outputs another number of values than it has targets (e.g. a
    /// Gaussian head: mean and log-variance for one target); null means one output per target.
    /// </summary>
    public int? CustomOutputSize { get; init; }

    /// <summary>How many outputs the task's head produces: 1, C (multiclass), L (multilabel) or the custom size.</summary>
    public int OutputSize => Kind switch
    {
        TaskKind.Regression or TaskKind.Binary => 1,
        TaskKind.Multiclass => ClassCount,
        TaskKind.Custom => CustomOutputSize ?? Targets.Count,
        _ => Targets.Count,
    };

    /// <summary>A regression task predicting one real number.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="features">The schema features the task uses.</param>
    /// <param name="target">The label column (default: <paramref name="name"/>).</param>
    /// <param name="weight">Static loss weight.</param>
    /// <param name="standardizeTarget">Whether to standardise the target with training statistics.</param>
    public static TaskSpec Regression(string name, IReadOnlyList<string> features, string? target = null,
        double weight = 1.0, bool standardizeTarget = true) =>
        new TaskSpec
        {
            Name = name, Kind = TaskKind.Regression, Features = Copy(features, name),
            Targets = [target ?? name], Weight = weight, StandardizeTarget = standardizeTarget,
        }.Validated();

    /// <summary>A binary classification task; labels are 0/1 or true/false.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="features">The schema features the task uses.</param>
    /// <param name="target">The label column (default: <paramref name="name"/>).</param>
    /// <param name="weight">Static loss weight.</param>
    public static TaskSpec Binary(string name, IReadOnlyList<string> features, string? target = null, double weight = 1.0) =>
        new TaskSpec
        {
            Name = name, Kind = TaskKind.Binary, Features = Copy(features, name),
            Targets = [target ?? name], Weight = weight,
        }.Validated();

    /// <summary>A multiclass task whose labels are class indices 0..<paramref name="classCount"/>-1.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="classCount">The number of classes (at least 2).</param>
    /// <param name="features">The schema features the task uses.</param>
    /// <param name="target">The label column (default: <paramref name="name"/>).</param>
    /// <param name="weight">Static loss weight.</param>
    public static TaskSpec Multiclass(string name, int classCount, IReadOnlyList<string> features, string? target = null,
        double weight = 1.0) =>
        new TaskSpec
        {
            Name = name, Kind = TaskKind.Multiclass, ClassCount = classCount, Features = Copy(features, name),
            Targets = [target ?? name], Weight = weight,
        }.Validated();

    /// <summary>A multiclass task whose labels are the class names <paramref name="classes"/> (index = position).</summary>
    /// <param name="name">The task name.</param>
    /// <param name="classes">The class names, distinct, in index order.</param>
    /// <param name="features">The schema features the task uses.</param>
    /// <param name="target">The label column (default: <paramref name="name"/>).</param>
    /// <param name="weight">Static loss weight.</param>
    public static TaskSpec Multiclass(string name, IReadOnlyList<string> classes, IReadOnlyList<string> features,
        string? target = null, double weight = 1.0)
    {
        ArgumentNullException.ThrowIfNull(classes);
        return new TaskSpec
        {
            Name = name, Kind = TaskKind.Multiclass, ClassCount = classes.Count, Classes = classes.ToArray(),
            Features = Copy(features, name), Targets = [target ?? name], Weight = weight,
        }.Validated();
    }

    /// <summary>A multilabel task: one independent 0/1 label per column of <paramref name="targets"/>.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="features">The schema features the task uses.</param>
    /// <param name="targets">The label columns, one per label.</param>
    /// <param name="weight">Static loss weight.</param>
    public static TaskSpec Multilabel(string name, IReadOnlyList<string> features, IReadOnlyList<string> targets, double weight = 1.0)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return new TaskSpec
        {
            Name = name, Kind = TaskKind.Multilabel, Features = Copy(features, name), Targets = targets.ToArray(), Weight = weight,
        }.Validated();
    }

    /// <summary>A task with a numeric target of fixed width, read as-is (not standardised), for a custom loss.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="features">The schema features the task uses.</param>
    /// <param name="targetWidth">Values per row.</param>
    /// <param name="targets">The target columns (default: the task name when the width is 1, else <c>name_0</c>..).</param>
    /// <param name="weight">Static loss weight.</param>
    /// <param name="outputSize">Outputs of the task's head when they differ from <paramref name="targetWidth"/> (see <see cref="CustomOutputSize"/>).</param>
    public static TaskSpec Custom(string name, IReadOnlyList<string> features, int targetWidth,
        IReadOnlyList<string>? targets = null, double weight = 1.0, int? outputSize = null)
    {
        if (targetWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(targetWidth),
                $"Task '{name}': targetWidth must be at least 1, got {targetWidth}.");
        string[] columns = targets?.ToArray()
            ?? (targetWidth == 1 ? [name] : Enumerable.Range(0, targetWidth).Select(i => $"{name}_{i}").ToArray());
        if (columns.Length != targetWidth)
            throw new ArgumentException(
                $"Task '{name}' has targetWidth {targetWidth} but {columns.Length} target columns ({string.Join(", ", columns)}); pass one column per target value.",
                nameof(targets));
        return new TaskSpec
        {
            Name = name, Kind = TaskKind.Custom, Features = Copy(features, name), Targets = columns, Weight = weight,
            CustomOutputSize = outputSize,
        }.Validated();
    }

    /// <summary>Checks this task on its own; throws an <see cref="ArgumentException"/> naming the task and the fix.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
            throw new ArgumentException("A task name is empty; give every task a non-empty name such as \"price\".", nameof(Name));
        if (Features is null || Features.Count == 0)
            throw new ArgumentException(
                $"Task '{Name}' has no features; list the schema features it uses, e.g. features: [\"size_sqft\"].", nameof(Features));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in Features)
        {
            if (string.IsNullOrWhiteSpace(f))
                throw new ArgumentException($"Task '{Name}' lists an empty feature name; remove it.", nameof(Features));
            if (!seen.Add(f))
                throw new ArgumentException($"Task '{Name}' lists feature '{f}' twice; list each feature once.", nameof(Features));
        }
        if (Targets is null || Targets.Count == 0 || Targets.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException($"Task '{Name}' has no (or an empty) target column; name the column its labels come from.", nameof(Targets));
        if (Targets.Distinct(StringComparer.Ordinal).Count() != Targets.Count)
            throw new ArgumentException($"Task '{Name}' lists a target column twice ({string.Join(", ", Targets)}); list each once.", nameof(Targets));
        if (Kind is TaskKind.Regression or TaskKind.Binary or TaskKind.Multiclass && Targets.Count != 1)
            throw new ArgumentException(
                $"Task '{Name}' is {Kind} and needs exactly one target column, got {Targets.Count} ({string.Join(", ", Targets)}); use Multilabel or Custom for several.",
                nameof(Targets));
        if (Kind == TaskKind.Multiclass)
        {
            if (ClassCount < 2)
                throw new ArgumentException($"Task '{Name}' is multiclass with {ClassCount} classes; it needs at least 2 (use Binary for yes/no).", nameof(ClassCount));
            if (Classes is not null)
            {
                if (Classes.Count != ClassCount)
                    throw new ArgumentException($"Task '{Name}' has ClassCount {ClassCount} but {Classes.Count} class names; they must agree.", nameof(Classes));
                if (Classes.Any(string.IsNullOrWhiteSpace) || Classes.Distinct(StringComparer.Ordinal).Count() != Classes.Count)
                    throw new ArgumentException(
                        $"Task '{Name}' class names must be distinct and non-empty, got [{string.Join(", ", Classes)}].", nameof(Classes));
            }
        }
        else if (ClassCount != 0 || Classes is not null)
        {
            throw new ArgumentException($"Task '{Name}' is {Kind}; ClassCount and Classes are for multiclass tasks only.", nameof(ClassCount));
        }
        if (CustomOutputSize is int size && (Kind != TaskKind.Custom || size < 1))
            throw new ArgumentException(
                Kind != TaskKind.Custom
                    ? $"Task '{Name}' is {Kind}; CustomOutputSize is for custom tasks only (their head's width is fixed by the kind)."
                    : $"Task '{Name}': CustomOutputSize must be at least 1, got {size}.",
                nameof(CustomOutputSize));
        if (!Enum.IsDefined(TargetTransform))
            throw new ArgumentException($"Task '{Name}' has unknown TargetTransform {TargetTransform}.", nameof(TargetTransform));
        if (TargetTransform != TargetTransform.None && Kind != TaskKind.Regression)
            throw new ArgumentException(
                $"Task '{Name}' is {Kind}; only regression targets can be standardised or transformed, set StandardizeTarget = false (TargetTransform = None).",
                nameof(TargetTransform));
        if (TargetGroup is not null)
        {
            if (string.IsNullOrWhiteSpace(TargetGroup))
                throw new ArgumentException($"Task '{Name}' has an empty TargetGroup; name the group (e.g. \"price\") or leave it null.", nameof(TargetGroup));
            if (Kind != TaskKind.Regression || TargetTransform == TargetTransform.None)
                throw new ArgumentException(
                    $"Task '{Name}' has TargetGroup '{TargetGroup}' but {(Kind != TaskKind.Regression ? $"is {Kind}" : "does not transform its target (TargetTransform = None)")}; a target group shares a standardisation between regression tasks, so remove the group or standardise the target.",
                    nameof(TargetGroup));
        }
        if (!double.IsFinite(Weight) || Weight < 0)
            throw new ArgumentException($"Task '{Name}' has weight {Weight}; a task weight must be finite and non-negative.", nameof(Weight));
    }

    /// <summary>
    /// Checks a set of tasks together, and against <paramref name="schema"/> when given: at least one
    /// task, each valid, names unique ignoring case, one <see cref="TargetTransform"/> per
    /// <see cref="TargetGroup"/>, every feature in the schema, and no target column
    /// that is also an input feature (which would leak the label into the input).
    /// </summary>
    /// <param name="tasks">The tasks of one model.</param>
    /// <param name="schema">The feature schema the tasks draw from, or null to skip those checks.</param>
    public static void ValidateAll(IReadOnlyList<TaskSpec> tasks, FeatureSchema? schema = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (tasks.Count == 0)
            throw new ArgumentException("No tasks were given; pass at least one TaskSpec.", nameof(tasks));
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var task in tasks)
        {
            if (task is null) throw new ArgumentException("The task list contains null; remove it.", nameof(tasks));
            task.Validate();
            if (names.TryGetValue(task.Name, out var other))
                throw new ArgumentException(
                    $"Task name '{task.Name}' is used twice (also '{other}'); task names must be unique ignoring case.", nameof(tasks));
            names.Add(task.Name, task.Name);
            if (task.TargetGroup is { } group && tasks.FirstOrDefault(o => o is not null && o.TargetGroup == group) is { } first
                && first.TargetTransform != task.TargetTransform)
                throw new ArgumentException(
                    $"Tasks '{first.Name}' ({first.TargetTransform}) and '{task.Name}' ({task.TargetTransform}) share TargetGroup '{group}' but transform their targets differently; give every task of a group the same TargetTransform.",
                    nameof(tasks));
            if (schema is null) continue;
            foreach (var f in task.Features)
                if (!schema.Contains(f))
                    throw new ArgumentException(
                        $"Task '{task.Name}' uses feature '{f}', which is not in the schema (schema features: {string.Join(", ", schema.Names)}); add it with .Numeric(\"{f}\") or .Categorical(\"{f}\", ...).",
                        nameof(tasks));
            foreach (var t in task.Targets)
                if (schema.Contains(t))
                    throw new ArgumentException(
                        $"Task '{task.Name}' reads its labels from column '{t}', which is also an input feature in the schema; remove '{t}' from the schema so the label is not an input.",
                        nameof(tasks));
        }
    }

    private TaskSpec Validated()
    {
        Validate();
        return this;
    }

    private static string[] Copy(IReadOnlyList<string> features, string name) =>
        features?.ToArray() ?? throw new ArgumentNullException(nameof(features), $"Task '{name}' needs a feature list.");
}
