namespace MultiTask.Engine.Optim;

/// <summary>
/// Scales the learning rate by a factor that moves linearly from <c>startFactor</c> to
/// <c>endFactor</c> over <c>totalIters</c> steps, then stays (PyTorch's <c>LinearLR</c>; a warm-up).
/// </summary>
public sealed class LinearLR : LRScheduler
{
    private readonly double _startFactor;
    private readonly double _endFactor;
    private readonly int _totalIters;

    /// <summary>Creates the schedule and takes step 0 (which multiplies the learning rate by <paramref name="startFactor"/>).</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="startFactor">The factor at step 0, in (0, 1].</param>
    /// <param name="endFactor">The factor from step <paramref name="totalIters"/> on, in [0, 1].</param>
    /// <param name="totalIters">The number of steps of the ramp; positive.</param>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5)
        : base(optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.");
        if (!(endFactor >= 0 && endFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, "Ending multiplicative factor expected to be between 0 and 1.");
        if (totalIters <= 0)
            throw new ArgumentOutOfRangeException(nameof(totalIters), totalIters, "totalIters must be a positive number of steps.");
        _startFactor = startFactor;
        _endFactor = endFactor;
        _totalIters = totalIters;
        InitialStep();
    }

    /// <inheritdoc />
    protected override void ComputeLearningRates(Span<double> learningRates)
    {
        int t = LastEpoch;
        for (int i = 0; i < learningRates.Length; i++)
        {
            double lr = Optimizer.ParamGroups[i].LearningRate;
            if (t == 0)
                learningRates[i] = lr * _startFactor;
            else if (t > _totalIters)
                learningRates[i] = lr;
            else
                learningRates[i] = lr * (1.0 + (_endFactor - _startFactor) /
                    (_totalIters * _startFactor + (t - 1) * (_endFactor - _startFactor)));
        }
    }
}
