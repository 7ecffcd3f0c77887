using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Docs;

/// <summary>A head that predicts a Gaussian: column 0 is the mean, column 1 the log-variance.</summary>
public sealed class GaussianHead : Module<Tensor, Tensor>
{
    private readonly Linear _hidden;
    private readonly Linear _output;

    public GaussianHead(int inputSize, int hiddenSize, Generator? generator = null)
    {
        _hidden = Register("hidden", new Linear(inputSize, hiddenSize, generator: generator));
        _output = Register("output", new Linear(hiddenSize, 2, generator: generator));
    }

    public override Tensor Forward(Tensor input) => _output.Forward(_hidden.Forward(input).Relu());
}

/// <summary>
/// Gaussian negative log-likelihood of a [batch, 2] output (mean, log-variance) against column 0 of
/// the target, built on the engine's <see cref="GaussianNllLoss"/>.
/// </summary>
public sealed class MeanLogVarianceLoss : Loss
{
    private readonly GaussianNllLoss _nll = new(reduction: Reduction.None);

    public MeanLogVarianceLoss(Reduction reduction = Reduction.Mean) : base(reduction)
    {
    }

    // One loss value per row: the base class then applies the label mask as a [batch, 1] weight.
    protected override int[] ElementShape(Tensor input, Tensor target)
    {
        if (input.Rank != 2 || input.Size(1) != 2 || target.Rank != 2 || target.Size(0) != input.Size(0))
            throw new ArgumentException(
                $"MeanLogVarianceLoss expects input [batch, 2] (mean, log-variance) and target [batch, k], " +
                $"got [{string.Join(", ", input.Shape)}] and [{string.Join(", ", target.Shape)}].");
        return [input.Size(0), 1];
    }

    protected override Tensor Elementwise(Tensor input, Tensor target)
    {
        var mean = input.Narrow(1, 0, 1);
        var variance = input.Narrow(1, 1, 1).Exp();
        return _nll.Forward(mean, target.Narrow(1, 0, 1), variance);
    }
}

/// <summary>Divides each task's loss by its first observed value, so every task starts at 1.</summary>
public sealed class InitialLossWeighting : LossWeighting
{
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var weights = new double[taskLosses.Count];
        for (int i = 0; i < weights.Length; i++)
        {
            // The base class records a task's first loss before calling BackwardCore.
            if (taskLosses[i] is not null && context.InitialLosses[i] is double first && first > 0)
                weights[i] = 1.0 / first;
        }
        double objective = BackwardObjective(WeightedSum(taskLosses, weights), context);
        return new WeightingResult(weights, objective);
    }
}

/// <summary>
/// Per-task input encoders over each task's own columns, a shared trunk, and per-task heads.
/// Parameters: <c>encoders.&lt;task&gt;.*</c>, <c>trunk.*</c>, <c>heads.&lt;task&gt;.*</c>.
/// </summary>
public sealed class TaskEncoderModel : MultiTaskModel
{
    private readonly Dictionary<string, int[]> _columns = new(StringComparer.Ordinal);
    private readonly ModuleDict _encoders;
    private readonly Linear _trunk;
    private readonly ModuleDict _heads;

    public TaskEncoderModel(ModelInput input, int hiddenSize, Generator? generator = null)
        : base(input.Tasks, input.InputSize)
    {
        var encoder = input.Encoder ?? throw new ArgumentException("Per-task encoders read each task's columns; use ModelInput.From(encoder).", nameof(input));
        _encoders = Register("encoders", new ModuleDict());
        _trunk = Register("trunk", new Linear(hiddenSize, hiddenSize, generator: generator));
        _heads = Register("heads", new ModuleDict());
        foreach (var (task, outputSize) in input.Tasks)
        {
            _columns[task] = [.. encoder.TaskColumns(task)];
            _encoders.Add(task, new Linear(_columns[task].Length, hiddenSize, generator: generator));
            _heads.Add(task, TaskHeads.Mlp(hiddenSize, outputSize, generator: generator));
        }
    }

    public override IReadOnlyList<Parameter> LastSharedParameters => [_trunk.Weight, _trunk.Bias!];

    public override IEnumerable<KeyValuePair<string, Parameter>> NamedSharedParameters() => ParametersUnder("trunk");

    public override IEnumerable<KeyValuePair<string, Parameter>> NamedTaskParameters(string task) =>
        ParametersUnder("encoders." + CheckTask(task), "heads." + task);

    public override TaskOutputs Forward(Tensor input)
    {
        CheckInputs(input);
        var outputs = new List<KeyValuePair<string, Tensor>>();
        foreach (var task in TaskNames) outputs.Add(new(task, ForwardTask(input, task)));
        return new TaskOutputs(outputs);
    }

    public override Tensor ForwardTask(Tensor inputs, string task)
    {
        CheckInputs(inputs);
        var own = inputs.IndexSelect(1, _columns[CheckTask(task)]);
        var encoded = ((Linear)_encoders[task]).Forward(own).Relu();
        var shared = _trunk.Forward(encoded).Relu();
        var output = ((Sequential)_heads[task]).Forward(shared);
        CheckOutput(task, output, inputs.Size(0));
        return output;
    }
}

/// <summary>Mean absolute percentage error, (100/n)·Σ|ŷ − y|/|y|, over rows with y ≠ 0.</summary>
public sealed class MeanAbsolutePercentageError : Metric
{
    private double _sum;

    public MeanAbsolutePercentageError() : base("mape", MetricDirection.LowerIsBetter)
    {
    }

    public override Metric Clone() => new MeanAbsolutePercentageError();

    protected override void ValidateRow(int row, ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        if (target[0] == 0f || !float.IsFinite(target[0]))
            throw new ArgumentException($"Metric 'mape' got target {target[0]} at row {row}; MAPE needs finite, non-zero targets.");
    }

    protected override void UpdateRow(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target) =>
        _sum += Math.Abs(((double)prediction[0] - target[0]) / target[0]);

    protected override double ComputeResult() => 100.0 * _sum / Count;

    protected override void ResetState() => _sum = 0;
}

/// <summary>Stops training once a monitored value drops below a threshold, and counts the epochs it saw.</summary>
public sealed class StopBelow(string monitor, double threshold) : Callback
{
    public int EpochsSeen { get; private set; }

    public override void OnTrainBegin(TrainingContext context)
    {
        context.DirectionOf(monitor);
        EpochsSeen = 0;
    }

    public override void OnEpochEnd(TrainingContext context)
    {
        EpochsSeen++;
        double value = context.Read(monitor);
        if (value < threshold)
            context.RequestStop(TrainingStopReason.StopRequested, $"{monitor} = {value:G4} < {threshold}");
    }
}

/// <summary>How the examples are plugged in, as shown in docs/extending.md.</summary>
public static class ExtendingUsage
{
    public static HardSharingModel GaussianModel(FeatureEncoder encoder, Generator generator)
    {
        var model = MultiTaskModel.HardSharing(encoder, backbone: [16], generator: generator,
            customHeads: new Dictionary<string, Module<Tensor, Tensor>> { ["price"] = new GaussianHead(16, 8, generator) });
        return model;
    }

    public static TaskSpec GaussianTask()
    {
        var task = TaskSpec.Custom("price", ["sqft", "beds", "baths"], targetWidth: 1, targets: ["log_price"], outputSize: 2)
            with { Loss = new MeanLogVarianceLoss() };
        return task;
    }

    public static TaskSpec WithPercentageError(string name, IReadOnlyList<string> features) =>
        TaskSpec.Regression(name, features) with { Metrics = [new MeanAbsolutePercentageError(), StandardMetrics.Rmse()] };
}
