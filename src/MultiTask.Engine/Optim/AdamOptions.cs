namespace MultiTask.Engine.Optim;

/// <summary>Hyper-parameters of <see cref="Adam"/> (defaults as in PyTorch).</summary>
public sealed record AdamOptions : OptimizerOptions
{
    /// <summary>The decay rates of the first and second moment estimates, each in [0, 1).</summary>
    public (double Beta1, double Beta2) Betas { get; init; } = (0.9, 0.999);

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Use the AMSGrad variant (the maximum of past second moments).</summary>
    public bool Amsgrad { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        AdamRule.Validate(Eps, Betas);
    }

    /// <inheritdoc />
    public override Optimizer Create(IEnumerable<ParamGroup> groups) => new Adam(groups, this);
}
