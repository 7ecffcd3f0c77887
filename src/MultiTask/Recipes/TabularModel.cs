using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Saving;
using MultiTask.Tasks;
using MultiTask.Training;

namespace MultiTask.Recipes;

/// <summary>
/// What <see cref="TabularRecipe.Fit"/> and <see cref="TabularRecipe.Select"/> return: fitted encoders and ensembles
/// (<see cref="Parts"/>), each predicting some of the tasks, from raw rows and in the user's units.
/// </summary>
public sealed class TabularModel
{
    internal TabularModel(FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, IReadOnlyList<string> taskNames, IReadOnlyList<TabularPart> parts,
        TabularSelection? selection = null)
    {
        Schema = schema;
        Tasks = tasks;
        TaskNames = taskNames;
        Parts = parts;
        Selection = selection;
    }

    /// <summary>The schema of the training data: rows to predict are read with it.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>The tasks of the training data (every task a dataset to predict must be built with, labelled or not).</summary>
    public IReadOnlyList<TaskSpec> Tasks { get; }

    /// <summary>The tasks the model predicts, in the training data's order.</summary>
    public IReadOnlyList<string> TaskNames { get; }

    /// <summary>
    /// The fitted pieces: one for <see cref="TaskSharing.MultiTask"/> or <see cref="TaskSharing.Pooled"/>, one per task for
    /// <see cref="TaskSharing.SingleTask"/>, and after <see cref="TabularRecipe.Select"/> the candidates each task chose.
    /// </summary>
    public IReadOnlyList<TabularPart> Parts { get; }

    /// <summary>The cross-validation that chose each task's part (<see cref="TabularRecipe.Select"/>), or null after <see cref="TabularRecipe.Fit"/>.</summary>
    public TabularSelection? Selection { get; }

    /// <summary>The part that predicts <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">Not a task of the model.</exception>
    public TabularPart PartOf(string task) => Parts.FirstOrDefault(p => p.Tasks.Contains(task))
        ?? throw new ArgumentException($"The model has no task '{task}'; its tasks are: {string.Join(", ", TaskNames.Select(t => $"'{t}'"))}.", nameof(task));

    /// <summary>The averaged predictions for every row of <paramref name="data"/>, per task, in the user's units (see <see cref="MultiTaskEnsemble.Predict"/>).</summary>
    /// <param name="data">Rows over the same schema and tasks as the training data (labels are not needed).</param>
    public TaskOutputs Predict(MultiTaskDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var outputs = Parts.SelectMany(p => p.Predict(data)).ToDictionary(p => p.Key, p => p.Value);
        return new TaskOutputs(TaskNames.Select(t => KeyValuePair.Create(t, outputs[t])));
    }

    /// <summary>
    /// Writes everything needed to predict to one file: the schema, the tasks, and every part's encoder, pooling and
    /// members (architecture and weights). <see cref="ModelFile.Load"/> reads it back, in any process, as a
    /// <see cref="Predictor"/> whose predictions equal <see cref="Predict"/>'s bit for bit. See <see cref="ModelFile"/> for the format.
    /// </summary>
    /// <param name="path">The file to write (e.g. <c>prices.mtmodel</c>); replaced atomically if it exists.</param>
    /// <exception cref="ArgumentException">A member's model holds a module type that is not registered with <see cref="ModuleSpecs.Register{T}"/>; the message names it.</exception>
    public void Save(string path) => ModelFile.Save(path, this);

    /// <summary>Each task's loss and metrics on <paramref name="data"/>, in the user's units.</summary>
    /// <param name="data">Labelled rows over the same schema and tasks as the training data.</param>
    public EvaluationResult Evaluate(MultiTaskDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var evaluations = Parts.SelectMany(p => p.Evaluate(data)).ToDictionary(e => e.Task);
        return new EvaluationResult(TaskNames.Select(t => evaluations[t]));
    }
}
