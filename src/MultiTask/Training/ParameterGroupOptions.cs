using System.Globalization;

namespace MultiTask.Training;

/// <summary>
/// A learning rate and/or weight decay for some of the trained parameters (an entry of
/// <see cref="TrainerOptions.ParameterGroups"/>; PyTorch's per-group <c>{"params": ..., "lr": ...}</c>).
/// </summary>
/// <remarks>
/// The parameters are selected by role — <c>new ParameterGroupOptions(ParameterRole.Shared)</c>,
/// <c>new ParameterGroupOptions(ParameterRole.Task)</c> (every task), <c>new ParameterGroupOptions(ParameterRole.Task, "condo")</c>
/// (one task), <c>new ParameterGroupOptions(ParameterRole.Weighting)</c> — or by dotted-name prefix,
/// <c>new ParameterGroupOptions("backbone.0")</c> (the parameter named so, or starting with it followed by '.').
/// A setting left null takes the optimizer's. A selection that matches nothing is an error when the trainer is built.
/// </remarks>
public sealed record ParameterGroupOptions
{
    /// <summary>Selects parameters by role.</summary>
    /// <param name="role">The role.</param>
    /// <param name="task">With <see cref="ParameterRole.Task"/>: one task's parameters only; null for every task's.</param>
    /// <exception cref="ArgumentException">A task name with another role than <see cref="ParameterRole.Task"/>, or an undefined role.</exception>
    public ParameterGroupOptions(ParameterRole role, string? task = null)
    {
        if (!Enum.IsDefined(role))
            throw new ArgumentOutOfRangeException(nameof(role), role, "Use ParameterRole.Shared, ParameterRole.Task or ParameterRole.Weighting.");
        if (task is not null && role != ParameterRole.Task)
            throw new ArgumentException($"A task name ('{task}') selects task-specific parameters; use ParameterRole.Task with it, not {role}.", nameof(task));
        if (task is not null) ArgumentException.ThrowIfNullOrWhiteSpace(task);
        Role = role;
        Task = task;
    }

    /// <summary>Selects the parameters whose dotted name is <paramref name="prefix"/> or starts with <paramref name="prefix"/> followed by '.'.</summary>
    /// <param name="prefix">The name prefix, e.g. <c>"backbone.0"</c> or <c>"heads.condo"</c>.</param>
    public ParameterGroupOptions(string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        Prefix = prefix;
    }

    /// <summary>The selected role, or null when selecting by <see cref="Prefix"/>.</summary>
    public ParameterRole? Role { get; }

    /// <summary>With <see cref="ParameterRole.Task"/>: the one task selected, or null for every task.</summary>
    public string? Task { get; }

    /// <summary>The dotted-name prefix, or null when selecting by <see cref="Role"/>.</summary>
    public string? Prefix { get; }

    /// <summary>The group's learning rate, or null for the optimizer's.</summary>
    public double? LearningRate { get; init; }

    /// <summary>The group's weight decay, or null for the optimizer's.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>Checks the settings; throws an exception naming the entry and the setting.</summary>
    /// <param name="index">The entry's position in <see cref="TrainerOptions.ParameterGroups"/>.</param>
    internal void Validate(int index)
    {
        if (LearningRate is double lr && !(lr >= 0 && double.IsFinite(lr)))
            throw new ArgumentOutOfRangeException(nameof(TrainerOptions.ParameterGroups), lr,
                $"ParameterGroups[{index}] ({this}) has learning rate {lr}; it must be finite and non-negative, or null for the optimizer's.");
        if (WeightDecay is double wd && !(wd >= 0 && double.IsFinite(wd)))
            throw new ArgumentOutOfRangeException(nameof(TrainerOptions.ParameterGroups), wd,
                $"ParameterGroups[{index}] ({this}) has weight decay {wd}; it must be finite and non-negative, or null for the optimizer's.");
    }

    /// <inheritdoc />
    public override string ToString()
    {
        string selection = Prefix is not null ? $"parameters under '{Prefix}'"
            : Task is not null ? $"parameters of task '{Task}'"
            : Role switch
            {
                ParameterRole.Shared => "shared parameters",
                ParameterRole.Task => "task-specific parameters",
                _ => "weighting parameters",
            };
        return string.Create(CultureInfo.InvariantCulture, $"{selection}, lr {LearningRate?.ToString(CultureInfo.InvariantCulture) ?? "default"}, weight decay {WeightDecay?.ToString(CultureInfo.InvariantCulture) ?? "default"}");
    }
}
