using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Training;

/// <summary>
/// The batch about to be trained on, as seen by <see cref="Callback.OnBatchBegin"/>: its inputs, which tasks it
/// labels, and each task's loss at the model's current parameters.
/// </summary>
/// <remarks>
/// Diagnostics read it before the trainer's own forward pass, so that whatever they compute (extra backward
/// passes, a lookahead step undone afterwards) leaves the training step itself unchanged.
/// </remarks>
public sealed class TrainingBatch
{
    private readonly Batch _batch;
    private readonly TaskBinding[] _bindings;
    private readonly MultiTaskModel _model;

    internal TrainingBatch(Batch batch, TaskBinding[] bindings, MultiTaskModel model, int epoch, int index, long step)
    {
        _batch = batch;
        _bindings = bindings;
        _model = model;
        Epoch = epoch;
        Index = index;
        Step = step;
        TaskNames = [.. bindings.Select(b => b.Name)];
    }

    /// <summary>The 0-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The 0-based index of the batch within the epoch.</summary>
    public int Index { get; }

    /// <summary>The 0-based global step of this batch (the number of batches processed before it).</summary>
    public long Step { get; }

    /// <summary>The model's tasks, in the order of <see cref="ComputeLosses"/>.</summary>
    public IReadOnlyList<string> TaskNames { get; }

    /// <summary>The encoded inputs [rows, width].</summary>
    public Tensor Inputs => _batch.Inputs;

    /// <summary>Whether the batch has labels for the model task at <paramref name="task"/> (an index into <see cref="TaskNames"/>).</summary>
    /// <param name="task">The task index.</param>
    /// <returns>True when the task has at least one label in the batch.</returns>
    public bool HasLabels(int task) => _batch.IsPresent(_bindings[task].DataIndex);

    /// <summary>
    /// Each model task's loss on this batch at the model's current parameters, with the label mask as weight, or null for
    /// a task without labels in the batch. The task's <see cref="Tasks.TaskSpec.Weight"/> is not applied.
    /// </summary>
    /// <remarks>
    /// The forward pass runs inside <see cref="Module.EvaluationScope"/>: dropout is the identity and batch norm uses (and
    /// does not update) its running statistics, so calling this draws no random numbers and changes no state. The losses
    /// are differentiable unless called under <c>Autograd.NoGrad()</c>.
    /// </remarks>
    /// <returns>One loss per task, in <see cref="TaskNames"/> order.</returns>
    public Tensor?[] ComputeLosses()
    {
        bool recording = Autograd.IsGradEnabled;
        using var evaluation = Module.EvaluationScope();
        // The evaluation scope also turns gradient recording off; diagnostics differentiate these losses.
        using var grad = Autograd.SetGradEnabled(recording);
        var outputs = _model.Forward(_batch.Inputs);
        var losses = new Tensor?[_bindings.Length];
        for (int i = 0; i < _bindings.Length; i++)
        {
            var b = _bindings[i];
            if (!_batch.IsPresent(b.DataIndex)) continue;
            losses[i] = b.ComputeLoss(outputs[b.Name], _batch.Targets(b.DataIndex), _batch.Mask(b.DataIndex));
        }
        return losses;
    }
}
