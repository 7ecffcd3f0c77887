namespace MultiTask.Engine.Optim;

/// <summary>Hyper-parameters of <see cref="Sgd"/> (defaults as in PyTorch, with a learning rate of 0.01).</summary>
public sealed record SgdOptions : OptimizerOptions
{
    /// <summary>Creates the default options.</summary>
    public SgdOptions() => LearningRate = 1e-2;

    /// <summary>The momentum factor; 0 disables momentum.</summary>
    public double Momentum { get; init; }

    /// <summary>The dampening applied to the gradient added to the momentum buffer.</summary>
    public double Dampening { get; init; }

    /// <summary>Use Nesterov momentum (needs a positive momentum and zero dampening).</summary>
    public bool Nesterov { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (!(Momentum >= 0 && Momentum < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, $"Invalid momentum value: {Momentum}; it must be finite and non-negative.");
        if (!double.IsFinite(Dampening))
            throw new ArgumentOutOfRangeException(nameof(Dampening), Dampening, $"Invalid dampening value: {Dampening}; it must be a finite number.");
        if (Nesterov && (Momentum <= 0 || Dampening != 0))
            throw new ArgumentException($"Nesterov momentum requires a momentum and zero dampening (got momentum {Momentum}, dampening {Dampening}).");
    }

    /// <inheritdoc />
    public override Optimizer Create(IEnumerable<ParamGroup> groups) => new Sgd(groups, this);
}
