namespace MultiTask.Baselines.Trees;

/// <summary>How <see cref="GradientBoostedTrees"/> splits the tasks into models.</summary>
public enum GradientBoostedTreesMode
{
    /// <summary>
    /// One model per task, each trained on that task's labelled rows only, with the task's targets in
    /// encoded units (standardised when the task standardises its target) and predictions mapped back
    /// to user units. What a tabular user does with one table per target.
    /// </summary>
    PerTask,

    /// <summary>
    /// One regression model over every task's labelled rows, with a one-hot task indicator appended to
    /// the inputs and the targets in user units (the shared target column a tabular user would pool,
    /// e.g. log price of houses and condos). Regression tasks only.
    /// </summary>
    Pooled,
}
