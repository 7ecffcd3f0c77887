using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Continual;

/// <summary>
/// Elastic weight consolidation: after a task is learned, a quadratic penalty keeps the parameters that mattered for it near
/// their learned values while later tasks train. A <see cref="Regularization"/>, so it goes into
/// <see cref="TrainerOptions.Regularization"/> like an L2 term.
/// </summary>
/// <remarks>
/// <para>Kirkpatrick et al., "Overcoming catastrophic forgetting in neural networks", PNAS 114(13), 2017. With the tasks
/// k consolidated so far, the term is</para>
/// <para>R(θ) = λ/2 · Σ_k Σ_i F_{k,i} (θ_i − θ*_{k,i})²,</para>
/// <para>one penalty per learned task (the paper's form for several tasks), where θ*_k are the parameters after task k and
/// F_k the diagonal of its Fisher information. This class uses the <b>empirical Fisher</b>: F_{k,i} is the mean over the
/// task's training rows n of (∂ℓ_n/∂θ_i)², ℓ_n the task's loss on row n alone (its <see cref="TaskSpec.Loss"/>, by default
/// the mean squared error of the standardised target, or the cross-entropy), computed at θ*_k in evaluation mode (dropout
/// off). For a regression task this is 4·(ŷ−y)²·(∂ŷ/∂θ_i)², a constant multiple of the Gaussian log-likelihood's empirical
/// Fisher; constant factors are absorbed by λ. The task's <see cref="TaskSpec.Weight"/> is not applied.</para>
/// <para>The protected parameters are chosen when consolidating (by default the shared ones; a task's own head is not
/// trained by later tasks' losses). They are kept as objects, so the penalty applies in any model that holds them, e.g.
/// another <see cref="HardSharingModel.ForTasks"/> view of the same backbone; parameters of consolidated tasks that a model
/// does not hold are left out of its penalty. Before any consolidation the term is 0.</para>
/// </remarks>
public sealed class ElasticWeightConsolidation : Regularization
{
    private readonly List<ConsolidatedTask> _consolidated = [];

    /// <summary>Creates the term.</summary>
    /// <param name="lambda">The strength λ ≥ 0 (how much a unit of Fisher information resists a change).</param>
    /// <param name="parameters">The parameters to protect (default: the shared parameters).</param>
    public ElasticWeightConsolidation(double lambda, ParameterSelector? parameters = null)
        : base(lambda, parameters ?? ParameterSelector.Shared)
    {
    }

    /// <summary>The tasks consolidated so far, in order.</summary>
    public IReadOnlyList<ConsolidatedTask> Consolidated => _consolidated;

    /// <summary>
    /// Records <paramref name="task"/> as learned: the current values of the selected parameters of <paramref name="model"/>
    /// and their empirical Fisher information on the task's labelled rows of <paramref name="data"/> (its training rows).
    /// </summary>
    /// <param name="model">The model that has just learned the task.</param>
    /// <param name="data">The task's training data (rows without a label for the task are skipped).</param>
    /// <param name="task">The task.</param>
    /// <returns>What was recorded.</returns>
    /// <exception cref="ArgumentException">The model or the data lacks the task, the task has no labelled row, or the selector selects no parameter.</exception>
    public ConsolidatedTask Consolidate(MultiTaskModel model, EncodedData data, string task)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var parameters = Parameters.Select(model);
        if (parameters.Count == 0)
            throw new ArgumentException($"Elastic weight consolidation protects the {Parameters} of the model, but the {model.GetType().Name} has none; choose another ParameterSelector.", nameof(model));
        var names = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in model.NamedParameters()) names[p] = name;
        var fisher = DiagonalFisher(model, data, task, parameters);
        var anchor = parameters.Select(p => Tensor.FromArray(p.ToArray(), [.. p.Shape])).ToArray();
        var consolidated = new ConsolidatedTask(task, data.LabelCount(task), [.. parameters.Select(p => names[p])], parameters, anchor, fisher);
        _consolidated.Add(consolidated);
        return consolidated;
    }

    /// <summary>
    /// The diagonal of the empirical Fisher information of <paramref name="task"/>'s loss: for each element i of each of
    /// <paramref name="parameters"/>, the mean over the task's labelled rows n of (∂ℓ_n/∂θ_i)², in evaluation mode.
    /// </summary>
    /// <param name="model">The model (put in evaluation mode for the computation, then restored).</param>
    /// <param name="data">The rows; those without a label for the task are skipped.</param>
    /// <param name="task">The task, one of the model's and the data's.</param>
    /// <param name="parameters">Parameters of the model (frozen ones included; their flags are restored).</param>
    /// <returns>One tensor per parameter, of its shape.</returns>
    /// <exception cref="ArgumentException">The model or the data lacks the task, its output sizes differ, or it has no labelled row.</exception>
    public static IReadOnlyList<Tensor> DiagonalFisher(MultiTaskModel model, EncodedData data, string task, IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(task);
        if (!model.TaskNames.Contains(task, StringComparer.Ordinal))
            throw new ArgumentException($"Task '{task}' is not a task of the model ({string.Join(", ", model.TaskNames.Select(t => $"'{t}'"))}).", nameof(task));
        if (!data.Tasks.Any(t => t.Name == task))
            throw new ArgumentException($"Task '{task}' is not a task of the data ({string.Join(", ", data.Tasks.Select(t => $"'{t.Name}'"))}).", nameof(data));
        int index = data.TaskIndex(task);
        var spec = data.Tasks[index];
        if (model.OutputSize(task) != spec.OutputSize)
            throw new ArgumentException($"Task '{task}' has {spec.OutputSize} output(s) in the data but the model's head outputs {model.OutputSize(task)}.", nameof(model));
        var rows = data.LabeledRows(index);
        if (rows.Count == 0)
            throw new ArgumentException($"Task '{task}' has no labelled row in the data ({data.RowCount} rows), so its Fisher information is undefined.", nameof(data));
        var loss = TaskBinding.DefaultLoss(spec);
        var sums = parameters.Select(p => new double[p.Numel]).ToArray();
        bool training = model.IsTraining;
        var flags = parameters.Select(p => p.RequiresGrad).ToArray();
        try
        {
            model.Eval();
            foreach (var p in parameters) p.RequiresGrad = true;
            using var grad = Autograd.EnableGrad();
            foreach (int row in rows)
            {
                // One row per backward pass: the Fisher needs each row's own gradient, not the batch mean's.
                var batch = data.GetBatch([row]);
                var output = model.ForwardTask(batch.Inputs, task);
                var targets = batch.Targets(index);
                var value = spec.Kind == TaskKind.Multiclass
                    ? loss.Forward(output, targets.Reshape(1), batch.Mask(index))
                    : loss.Forward(output, targets, batch.Mask(index).Unsqueeze(1));
                var grads = Autograd.Grad(value, parameters.Cast<Tensor>().ToList(), allowUnused: true);
                for (int i = 0; i < grads.Length; i++)
                {
                    if (grads[i] is not { } g) continue;
                    var span = g.AsSpan();
                    var sum = sums[i];
                    for (int j = 0; j < sum.Length; j++) sum[j] += (double)span[j] * span[j];
                }
            }
        }
        finally
        {
            for (int i = 0; i < parameters.Count; i++) parameters[i].RequiresGrad = flags[i];
            model.Train(training);
        }
        return [.. sums.Select((sum, i) => Tensor.FromArray(sum.Select(v => (float)(v / rows.Count)).ToArray(), [.. parameters[i].Shape]))];
    }

    /// <summary>λ/2 · Σ_k Σ_i F_{k,i} (θ_i − θ*_{k,i})² over the consolidated parameters that <paramref name="model"/> holds; 0 when there are none.</summary>
    /// <param name="model">The model being trained.</param>
    /// <returns>The term, a differentiable zero-rank tensor.</returns>
    public override Tensor Penalty(MultiTaskModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var own = new HashSet<Parameter>(model.Parameters(), ReferenceEqualityComparer.Instance);
        Tensor? sum = null;
        foreach (var task in _consolidated)
        {
            for (int i = 0; i < task.Parameters.Count; i++)
            {
                var p = task.Parameters[i];
                if (!own.Contains(p)) continue;
                var term = ((p - task.Anchor[i]).Square() * task.Fisher[i]).Sum();
                sum = sum is null ? term : sum + term;
            }
        }
        return sum is null ? Tensor.Scalar(0f) : sum * (float)(Lambda / 2);
    }

    /// <inheritdoc />
    public override string ToString() => $"EWC(λ={Lambda}, {Parameters}, {_consolidated.Count} task(s) consolidated)";
}
