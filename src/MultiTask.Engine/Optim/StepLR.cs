namespace MultiTask.Engine.Optim;

/// <summary>Multiplies the learning rate by <c>gamma</c> every <c>stepSize</c> steps (PyTorch's <c>StepLR</c>).</summary>
public sealed class StepLR : LRScheduler
{
    private readonly int _stepSize;
    private readonly double _gamma;

    /// <summary>Creates the schedule and takes step 0.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="stepSize">The period of the decay, in steps; positive.</param>
    /// <param name="gamma">The decay factor.</param>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1)
        : base(optimizer)
    {
        if (stepSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "stepSize must be a positive number of steps.");
        _stepSize = stepSize;
        _gamma = gamma;
        InitialStep();
    }

    /// <inheritdoc />
    protected override void ComputeLearningRates(Span<double> learningRates)
    {
        bool decay = LastEpoch != 0 && LastEpoch % _stepSize == 0;
        for (int i = 0; i < learningRates.Length; i++)
        {
            double lr = Optimizer.ParamGroups[i].LearningRate;
            learningRates[i] = decay ? lr * _gamma : lr;
        }
    }
}
