using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>What <see cref="CascadeModel.Create"/> builds: the task dependencies and the inner model that predicts the other tasks.</summary>
/// <remarks>
/// The inner model can be any architecture built for a <see cref="ModelInput"/>: the default is
/// <see cref="HardSharingModel.Create"/> with its defaults; pass e.g.
/// <c>Inner = (input, generator) =&gt; HardSharingModel.Create(input, new HardSharingOptions { Backbone = [32] }, generator)</c>.
/// </remarks>
public sealed record CascadeOptions
{
    /// <summary>The derived tasks, e.g. <c>[TaskDependency.Conjunction("ctcvr", parent: "ctr", conditional: "cvr")]</c>; at least one.</summary>
    public IReadOnlyList<TaskDependency> Dependencies { get; init; } = [];

    /// <summary>
    /// Builds the inner model for the tasks that are not derived (the input's tasks without the dependencies' tasks), from
    /// that input and the generator; null for <see cref="HardSharingModel.Create"/> with its defaults.
    /// </summary>
    public Func<ModelInput, Generator?, MultiTaskModel>? Inner { get; init; }

    internal void Validate()
    {
        if (Dependencies is null || Dependencies.Count == 0)
            throw new ArgumentException(
                "CascadeOptions.Dependencies is empty; a cascade needs at least one derived task, e.g. TaskDependency.Conjunction(\"ctcvr\", parent: \"ctr\", conditional: \"cvr\").",
                nameof(Dependencies));
        if (Dependencies.Any(d => d is null))
            throw new ArgumentException("CascadeOptions.Dependencies holds a null dependency.", nameof(Dependencies));
    }
}
