using MultiTask.Data;
using MultiTask.Engine.Losses;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;
using MultiTask.Tasks;

namespace MultiTask.Training;

/// <summary>One model task tied to its column in the data: its spec, loss, metric templates and unit conversions.</summary>
internal sealed class TaskBinding
{
    private readonly Loss? _loss;

    private TaskBinding(string name, int modelIndex, int dataIndex, TaskSpec spec, Loss? loss, IReadOnlyList<Metric> metrics)
    {
        Name = name;
        ModelIndex = modelIndex;
        DataIndex = dataIndex;
        Spec = spec;
        _loss = loss;
        Metrics = metrics;
    }

    public string Name { get; }

    public int ModelIndex { get; }

    public int DataIndex { get; }

    public TaskSpec Spec { get; }

    public Loss Loss => _loss ?? DefaultLoss(Spec);

    /// <summary>Templates only: callers clone them.</summary>
    public IReadOnlyList<Metric> Metrics { get; }

    public static Loss DefaultLoss(TaskSpec spec) => spec.Loss ?? spec.Kind switch
    {
        TaskKind.Regression => new MseLoss(),
        TaskKind.Binary or TaskKind.Multilabel => new BceWithLogitsLoss(),
        TaskKind.Multiclass => new CrossEntropyLoss(),
        _ => throw new ArgumentException(
            $"Task '{spec.Name}' is a custom task, which has no default loss; give it one, e.g. TaskSpec.Custom(\"{spec.Name}\", ...) with {{ Loss = new MseLoss() }}.",
            "tasks"),
    };

    public static IReadOnlyList<Metric> DefaultMetrics(TaskSpec spec) => spec.Metrics ?? spec.Kind switch
    {
        TaskKind.Regression => StandardMetrics.ForTask(MetricTaskKind.Regression),
        TaskKind.Binary => StandardMetrics.ForTask(MetricTaskKind.Binary),
        TaskKind.Multiclass => StandardMetrics.ForTask(MetricTaskKind.Multiclass, spec.ClassCount),
        TaskKind.Multilabel => StandardMetrics.ForTask(MetricTaskKind.Multilabel, spec.Targets.Count),
        _ => [],
    };

    /// <summary>Binds the model's tasks to <paramref name="data"/>, checking names, widths and losses.</summary>
    public static TaskBinding[] Bind(Architectures.MultiTaskModel model, EncodedData data, string role, bool requireLoss = true) =>
        Bind(model, data.Tasks, data.Width, data.ColumnNames, role, requireLoss);

    public static TaskBinding[] Bind(Architectures.MultiTaskModel model, IReadOnlyList<TaskSpec> dataTasks, int width,
        IReadOnlyList<string> columnNames, string role, bool requireLoss)
    {
        var missing = model.TaskNames.Where(t => !dataTasks.Any(d => string.Equals(d.Name, t, StringComparison.Ordinal))).ToList();
        if (missing.Count > 0)
            throw new ArgumentException(
                $"The model's tasks {Quote(model.TaskNames)} are not all in the {role} data, which has tasks {Quote(dataTasks.Select(t => t.Name))}; " +
                $"missing: {Quote(missing)}. Build the model for the data's tasks (a model may use a subset of them).", role);
        if (model.InputSize is int f && f != width)
            throw new ArgumentException(
                $"The model expects {f} input features but the {role} data has {width} columns ({string.Join(", ", columnNames.Take(12))}{(width > 12 ? ", ..." : "")}); " +
                "build the model with inputSize = encoder.Width of the encoder that produced the data.", role);
        var bindings = new TaskBinding[model.TaskNames.Count];
        for (int i = 0; i < bindings.Length; i++)
        {
            string name = model.TaskNames[i];
            int d = MultiTaskDataset.IndexOfTask(dataTasks, name);
            var spec = dataTasks[d];
            int size = model.OutputSize(name);
            if (size != spec.OutputSize)
                throw new ArgumentException(
                    $"Task '{name}' is {spec.Kind} with {spec.OutputSize} output(s) in the {role} data, but the model's head for it outputs {size}; build the head with output size {spec.OutputSize}.",
                    role);
            var metrics = DefaultMetrics(spec);
            foreach (var m in metrics)
            {
                if (m is null) throw new ArgumentException($"Task '{name}' lists a null metric.", role);
                if (m.PredictionWidth != spec.OutputSize || m.TargetWidth != spec.TargetWidth)
                    throw new ArgumentException(
                        $"Metric '{m.Name}' of task '{name}' expects {m.PredictionWidth} prediction(s) and {m.TargetWidth} target(s) per row, but the task has {spec.OutputSize} and {spec.TargetWidth}.",
                        role);
            }
            bindings[i] = new TaskBinding(name, i, d, spec, requireLoss ? DefaultLoss(spec) : spec.Loss, metrics);
        }
        return bindings;
    }

    /// <summary>The masked loss of this task on a batch; the mask is the per-element weight, so unlabelled rows contribute nothing.</summary>
    public Tensor ComputeLoss(Tensor output, Tensor targets, Tensor mask)
    {
        if (Spec.Kind == TaskKind.Multiclass) return Loss.Forward(output, targets.Reshape(targets.Shape[0]), mask);
        return Loss.Forward(output, targets, mask.Unsqueeze(1));
    }

    /// <summary>Raw model outputs to the user's units: regression values, probabilities, or raw custom outputs.</summary>
    public Tensor ToUserUnits(Tensor output, FeatureEncoder encoder) => Spec.Kind switch
    {
        TaskKind.Regression => encoder.InverseTarget(Name, output),
        TaskKind.Binary or TaskKind.Multilabel => output.Sigmoid(),
        TaskKind.Multiclass => output.Softmax(1),
        _ => output.Detach().Clone(),
    };

    /// <summary>Encoded targets to the user's units (regression de-standardised; labels unchanged).</summary>
    public float[] TargetsInUserUnits(Tensor targets, FeatureEncoder encoder) =>
        Spec.Kind == TaskKind.Regression ? encoder.InverseTarget(Name, targets.ToArray()) : targets.ToArray();

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
