using MultiTask.Data;

namespace MultiTask.Continual;

/// <summary>One stage of <see cref="SequentialTraining"/>: the tasks it teaches, their training rows and their test rows.</summary>
/// <param name="Tasks">The tasks trained in this stage and in no other.</param>
/// <param name="Train">The stage's training data (labelled for its tasks).</param>
/// <param name="Test">The stage's test data: every later stage evaluates its tasks on it.</param>
public sealed record ContinualStage(IReadOnlyList<string> Tasks, EncodedData Train, EncodedData Test)
{
    /// <summary>A stage of one task.</summary>
    /// <param name="task">The task.</param>
    /// <param name="train">Its training data.</param>
    /// <param name="test">Its test data.</param>
    public ContinualStage(string task, EncodedData train, EncodedData test)
        : this([task], train, test)
    {
    }
}
