namespace MultiTask.Engine.Optim;

/// <summary>
/// Anneals the learning rate from its base value to <c>etaMin</c> along half a cosine over
/// <c>tMax</c> steps, then back up (PyTorch's <c>CosineAnnealingLR</c>, using its recursive form so
/// that the values match PyTorch's exactly).
/// </summary>
/// <remarks>Loshchilov &amp; Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017.</remarks>
public sealed class CosineAnnealingLR : LRScheduler
{
    private readonly int _tMax;
    private readonly double _etaMin;

    /// <summary>Creates the schedule and takes step 0.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="tMax">The number of steps of a half period; positive.</param>
    /// <param name="etaMin">The minimum learning rate.</param>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0)
        : base(optimizer)
    {
        if (tMax <= 0)
            throw new ArgumentOutOfRangeException(nameof(tMax), tMax, "tMax must be a positive number of steps.");
        _tMax = tMax;
        _etaMin = etaMin;
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
                learningRates[i] = lr;
            else if ((t - 1 - _tMax) % (2 * _tMax) == 0)
                learningRates[i] = lr + (BaseLrs[i] - _etaMin) * (1 - Math.Cos(Math.PI / _tMax)) / 2;
            else
                learningRates[i] = (1 + Math.Cos(Math.PI * t / _tMax)) / (1 + Math.Cos(Math.PI * (t - 1) / _tMax)) * (lr - _etaMin) + _etaMin;
        }
    }
}
