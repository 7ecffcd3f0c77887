namespace MultiTask.Engine.Optim;

/// <summary>Multiplies the learning rate by <c>gamma</c> every step (PyTorch's <c>ExponentialLR</c>).</summary>
public sealed class ExponentialLR : LRScheduler
{
    private readonly double _gamma;

    /// <summary>Creates the schedule and takes step 0.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="gamma">The decay factor.</param>
    public ExponentialLR(Optimizer optimizer, double gamma)
        : base(optimizer)
    {
        _gamma = gamma;
        InitialStep();
    }

    /// <inheritdoc />
    protected override void ComputeLearningRates(Span<double> learningRates)
    {
        for (int i = 0; i < learningRates.Length; i++)
        {
            double lr = Optimizer.ParamGroups[i].LearningRate;
            learningRates[i] = LastEpoch == 0 ? lr : lr * _gamma;
        }
    }
}
