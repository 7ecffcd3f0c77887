namespace MultiTask.Engine.Optim;

/// <summary>The hyper-parameters every optimizer has; each optimizer's options record derives from it.</summary>
public abstract record OptimizerOptions
{
    /// <summary>The default learning rate of the groups (PyTorch's <c>lr</c>).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>The default weight decay of the groups.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Maximize the objective instead of minimizing it (steps along the gradient).</summary>
    public bool Maximize { get; init; }

    /// <summary>
    /// Builds the optimizer these options describe over <paramref name="groups"/>, so that code holding
    /// only an <see cref="OptimizerOptions"/> (a trainer) can create any optimizer without knowing its type.
    /// </summary>
    /// <param name="groups">The parameter groups; unset group hyper-parameters take these options.</param>
    /// <returns>The optimizer.</returns>
    public abstract Optimizer Create(IEnumerable<ParamGroup> groups);

    /// <summary>Throws an exception naming the first invalid hyper-parameter.</summary>
    public virtual void Validate()
    {
        if (!(LearningRate >= 0 && LearningRate < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"Invalid learning rate: {LearningRate}; it must be finite and non-negative.");
        if (!(WeightDecay >= 0 && WeightDecay < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"Invalid weight decay: {WeightDecay}; it must be finite and non-negative.");
    }
}

/// <summary>Which hyper-parameter of an optimizer plays the role of momentum (cycled by <see cref="OneCycleLR"/>).</summary>
public enum MomentumKind
{
    /// <summary>The optimizer has no momentum.</summary>
    None,

    /// <summary><see cref="ParamGroup.Momentum"/> (Sgd, RmsProp).</summary>
    Momentum,

    /// <summary>The first beta of <see cref="ParamGroup.Betas"/> (Adam, AdamW).</summary>
    Beta1,
}
