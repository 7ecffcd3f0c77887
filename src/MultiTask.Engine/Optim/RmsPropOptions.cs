namespace MultiTask.Engine.Optim;

/// <summary>Hyper-parameters of <see cref="RmsProp"/> (defaults as in PyTorch).</summary>
public sealed record RmsPropOptions : OptimizerOptions
{
    /// <summary>Creates the default options.</summary>
    public RmsPropOptions() => LearningRate = 1e-2;

    /// <summary>The smoothing constant of the running average of squared gradients.</summary>
    public double Alpha { get; init; } = 0.99;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>The momentum factor; 0 disables momentum.</summary>
    public double Momentum { get; init; }

    /// <summary>Normalize by an estimate of the gradient's variance instead of its second moment.</summary>
    public bool Centered { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (!(Eps >= 0 && Eps < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(nameof(Eps), Eps, $"Invalid epsilon value: {Eps}; it must be finite and non-negative.");
        if (!(Momentum >= 0 && Momentum < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, $"Invalid momentum value: {Momentum}; it must be finite and non-negative.");
        if (!(Alpha >= 0 && Alpha < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, $"Invalid alpha value: {Alpha}; it must be finite and non-negative.");
    }

    /// <inheritdoc />
    public override Optimizer Create(IEnumerable<ParamGroup> groups) => new RmsProp(groups, this);
}
