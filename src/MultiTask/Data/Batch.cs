using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Data;

/// <summary>
/// One mini-batch: inputs [B, F], and per task targets [B, TargetWidth] and a label mask [B]
/// (1 = labelled). A task with no labelled row in the batch is absent (<see cref="IsPresent(int)"/>
/// is false) and should be skipped, so its loss is never an empty mean (NaN).
/// </summary>
public sealed class Batch
{
    private readonly Tensor[] _targets;
    private readonly Tensor[] _masks;
    private readonly int[] _labelCounts;

    internal Batch(IReadOnlyList<TaskSpec> tasks, Tensor inputs, Tensor[] targets, Tensor[] masks, int[] labelCounts,
        int[] rows, TaskSpec? sampledTask)
    {
        Tasks = tasks;
        Inputs = inputs;
        _targets = targets;
        _masks = masks;
        _labelCounts = labelCounts;
        Rows = rows;
        SampledTask = sampledTask;
        PresentTasks = Enumerable.Range(0, tasks.Count).Where(t => labelCounts[t] > 0).ToArray();
    }

    /// <summary>The input matrix [B, F].</summary>
    public Tensor Inputs { get; }

    /// <summary>The number of rows B.</summary>
    public int Size => Rows.Count;

    /// <summary>The rows of the <see cref="EncodedData"/> this batch holds, in batch order.</summary>
    public IReadOnlyList<int> Rows { get; }

    /// <summary>All tasks, in order (present or not).</summary>
    public IReadOnlyList<TaskSpec> Tasks { get; }

    /// <summary>The task a per-task batch was drawn for; null for a joint batch.</summary>
    public TaskSpec? SampledTask { get; }

    /// <summary>The indices of the tasks with at least one labelled row in this batch, ascending.</summary>
    public IReadOnlyList<int> PresentTasks { get; }

    /// <summary>Whether task <paramref name="task"/> has at least one labelled row in this batch.</summary>
    public bool IsPresent(int task) => _labelCounts[Check(task)] > 0;

    /// <summary>Whether the named task has at least one labelled row in this batch.</summary>
    public bool IsPresent(string task) => IsPresent(MultiTaskDataset.IndexOfTask(Tasks, task));

    /// <summary>The number of labelled rows of task <paramref name="task"/> in this batch.</summary>
    public int LabelCount(int task) => _labelCounts[Check(task)];

    /// <summary>The number of labelled rows of the named task in this batch.</summary>
    public int LabelCount(string task) => LabelCount(MultiTaskDataset.IndexOfTask(Tasks, task));

    /// <summary>The targets of task <paramref name="task"/> [B, TargetWidth]; 0 where unlabelled.</summary>
    public Tensor Targets(int task) => _targets[Check(task)];

    /// <summary>The targets of the named task [B, TargetWidth]; 0 where unlabelled.</summary>
    public Tensor Targets(string task) => Targets(MultiTaskDataset.IndexOfTask(Tasks, task));

    /// <summary>The label mask of task <paramref name="task"/> [B]: 1 = labelled, 0 = ignore.</summary>
    public Tensor Mask(int task) => _masks[Check(task)];

    /// <summary>The label mask of the named task [B].</summary>
    public Tensor Mask(string task) => Mask(MultiTaskDataset.IndexOfTask(Tasks, task));

    private int Check(int task) => (uint)task < (uint)Tasks.Count
        ? task
        : throw new ArgumentOutOfRangeException(nameof(task), $"Task index {task} is out of range; there are {Tasks.Count} tasks.");
}
