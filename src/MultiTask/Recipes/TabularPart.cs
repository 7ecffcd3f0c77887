using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Training;

namespace MultiTask.Recipes;

/// <summary>
/// One fitted piece of a <see cref="TabularModel"/>: an encoder and an ensemble that predict some of the model's tasks
/// (all of them for <see cref="TaskSharing.MultiTask"/>, one for <see cref="TaskSharing.SingleTask"/>).
/// </summary>
public sealed class TabularPart
{
    private readonly PooledTasks? _pooled;

    internal TabularPart(TaskSharing sharing, IReadOnlyList<string> tasks, FeatureEncoder encoder, MultiTaskEnsemble ensemble,
        TabularRecipeOptions options, PooledTasks? pooled)
    {
        Sharing = sharing;
        Tasks = tasks;
        Encoder = encoder;
        Ensemble = ensemble;
        Options = options;
        _pooled = pooled;
    }

    /// <summary>How this part shares between its tasks.</summary>
    public TaskSharing Sharing { get; }

    /// <summary>The tasks of the model this part predicts.</summary>
    public IReadOnlyList<string> Tasks { get; }

    /// <summary>The encoder fitted on this part's training rows (for <see cref="TaskSharing.Pooled"/>, on the stacked rows with the task column).</summary>
    public FeatureEncoder Encoder { get; }

    /// <summary>The trained members (for <see cref="TaskSharing.Pooled"/>, of the one pooled task named after the tasks' target group).</summary>
    public MultiTaskEnsemble Ensemble { get; }

    /// <summary>The settings this part was fitted with.</summary>
    public TabularRecipeOptions Options { get; }

    /// <summary>The pooling of a <see cref="TaskSharing.Pooled"/> part, else null.</summary>
    internal PooledTasks? Pooled => _pooled;

    /// <summary>This part restricted to the <paramref name="tasks"/> it predicts, or null when it predicts none of them.</summary>
    internal TabularPart? Serving(IReadOnlyCollection<string> tasks) =>
        Tasks.Where(tasks.Contains).ToArray() is { Length: > 0 } mine ? new TabularPart(Sharing, mine, Encoder, Ensemble, Options, _pooled) : null;

    internal IEnumerable<KeyValuePair<string, Tensor>> Predict(MultiTaskDataset data)
    {
        if (_pooled is null)
        {
            var outputs = Ensemble.Predict(Encoder.Transform(data));
            foreach (var task in Tasks) yield return new(task, outputs[task]);
            yield break;
        }
        foreach (var task in Tasks) yield return new(task, Ensemble.Predict(Encoder.Transform(_pooled.ForTask(data, task)))[_pooled.Name]);
    }

    internal IEnumerable<TaskEvaluation> Evaluate(MultiTaskDataset data)
    {
        if (_pooled is null)
        {
            var result = Ensemble.Evaluate(Encoder.Transform(data));
            foreach (var task in Tasks) yield return result[task];
            yield break;
        }
        foreach (var task in Tasks) yield return Ensemble.Evaluate(Encoder.Transform(_pooled.ForTask(data, task)))[_pooled.Name].Renamed(task);
    }
}
