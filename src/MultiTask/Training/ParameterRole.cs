namespace MultiTask.Training;

/// <summary>What a trained parameter is for, as a <see cref="ParameterGroupOptions"/> selects it.</summary>
public enum ParameterRole
{
    /// <summary>The model's shared parameters (<see cref="Architectures.MultiTaskModel.NamedSharedParameters"/>).</summary>
    Shared,

    /// <summary>Task-specific parameters (<see cref="Architectures.MultiTaskModel.NamedTaskParameters"/>): of every task, or of one named task.</summary>
    Task,

    /// <summary>The weighting strategy's learned parameters (<see cref="Weighting.LossWeighting.Parameters"/>, e.g. uncertainty weighting's log-variances).</summary>
    Weighting,
}
