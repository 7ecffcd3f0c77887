namespace MultiTask.Engine.Optim;

/// <summary>Hyper-parameters of <see cref="Adagrad"/> (defaults as in PyTorch).</summary>
public sealed record AdagradOptions : OptimizerOptions
{
    /// <summary>Creates the default options.</summary>
    public AdagradOptions() => LearningRate = 1e-2;

    /// <summary>The learning-rate decay: step t uses lr / (1 + (t − 1)·decay).</summary>
    public double LearningRateDecay { get; init; }

    /// <summary>The starting value of the sum of squared gradients.</summary>
    public double InitialAccumulatorValue { get; init; }

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; init; } = 1e-10;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (!(LearningRateDecay >= 0 && LearningRateDecay < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(nameof(LearningRateDecay), LearningRateDecay, $"Invalid lr_decay value: {LearningRateDecay}; it must be finite and non-negative.");
        if (!(InitialAccumulatorValue >= 0 && InitialAccumulatorValue < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(nameof(InitialAccumulatorValue), InitialAccumulatorValue, $"Invalid initial_accumulator_value value: {InitialAccumulatorValue}; it must be finite and non-negative.");
        if (!(Eps >= 0 && Eps < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(nameof(Eps), Eps, $"Invalid epsilon value: {Eps}; it must be finite and non-negative.");
    }

    /// <inheritdoc />
    public override Optimizer Create(IEnumerable<ParamGroup> groups) => new Adagrad(groups, this);
}
