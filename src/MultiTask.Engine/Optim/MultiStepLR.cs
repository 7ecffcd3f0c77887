namespace MultiTask.Engine.Optim;

/// <summary>
/// Multiplies the learning rate by <c>gamma</c> at each milestone step (PyTorch's <c>MultiStepLR</c>);
/// a milestone listed twice decays twice.
/// </summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly Dictionary<int, int> _milestones = [];
    private readonly double _gamma;

    /// <summary>Creates the schedule and takes step 0.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="milestones">The steps at which to decay.</param>
    /// <param name="gamma">The decay factor.</param>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        foreach (int m in milestones) _milestones[m] = _milestones.GetValueOrDefault(m) + 1;
        _gamma = gamma;
        InitialStep();
    }

    /// <inheritdoc />
    protected override void ComputeLearningRates(Span<double> learningRates)
    {
        int count = _milestones.GetValueOrDefault(LastEpoch);
        double factor = count == 0 ? 1 : Math.Pow(_gamma, count);
        for (int i = 0; i < learningRates.Length; i++)
        {
            double lr = Optimizer.ParamGroups[i].LearningRate;
            learningRates[i] = count == 0 ? lr : lr * factor;
        }
    }
}
