using MultiTask.Architectures;
using MultiTask.Data;

namespace MultiTask.Transfer;

/// <summary>
/// A trained model with new tasks added by <see cref="TransferLearning"/>: the model over the kept and the new tasks, and the
/// encoder that encodes data for all of them.
/// </summary>
public sealed class TransferredModel
{
    internal TransferredModel(HardSharingModel model, FeatureEncoder encoder, IReadOnlyList<string> sourceTasks, IReadOnlyList<string> newTasks)
    {
        Model = model;
        Encoder = encoder;
        SourceTasks = sourceTasks;
        NewTasks = newTasks;
        NewTasksModel = model.ForTasks(newTasks);
    }

    /// <summary>
    /// The model: the source's backbone, shared head and wide path and the heads of <see cref="SourceTasks"/> (the same
    /// parameter objects as the source), then a new head per task of <see cref="NewTasks"/>.
    /// </summary>
    public HardSharingModel Model { get; }

    /// <summary>The encoder: the source encoder's inputs, with the new tasks' target transforms (see <see cref="FeatureEncoder.WithTasks"/>).</summary>
    public FeatureEncoder Encoder { get; }

    /// <summary>The source's tasks that the new data lists, and so the model keeps.</summary>
    public IReadOnlyList<string> SourceTasks { get; }

    /// <summary>The added tasks.</summary>
    public IReadOnlyList<string> NewTasks { get; }

    /// <summary>
    /// <see cref="Model"/> restricted to <see cref="NewTasks"/> (the same modules): what to fine-tune on data labelled only
    /// for the new tasks, since a trainer needs labels for every task of the model it trains.
    /// </summary>
    public HardSharingModel NewTasksModel { get; }
}
