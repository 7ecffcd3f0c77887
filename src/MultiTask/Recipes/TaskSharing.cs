namespace MultiTask.Recipes;

/// <summary>How <see cref="TabularRecipe"/> shares what it learns between tasks.</summary>
public enum TaskSharing
{
    /// <summary>One multi-task network for every task: a shared trunk, a shared head and a residual head per task (the default).</summary>
    MultiTask,

    /// <summary>One network per task, each trained and encoded on that task's labelled rows only: the baseline multi-task learning has to beat.</summary>
    SingleTask,

    /// <summary>
    /// One single-output network over every labelled (row, task) pair, told the row's task as a one-hot input feature: what
    /// a user does without multi-task learning when the tasks predict the same quantity. Needs regression tasks that share a
    /// <see cref="Tasks.TaskSpec.TargetGroup"/>, one target transform and one feature list.
    /// </summary>
    Pooled,
}
