namespace MultiTask.Engine.Optim;

/// <summary>How <see cref="OneCycleLR"/> moves between its phase end points.</summary>
public enum AnnealStrategy
{
    /// <summary>Along half a cosine.</summary>
    Cos,

    /// <summary>Along a straight line.</summary>
    Linear,
}

/// <summary>
/// The 1cycle policy (PyTorch's <c>OneCycleLR</c>): the learning rate rises from maxLr/divFactor to
/// maxLr over the first <c>pctStart</c> of <c>totalSteps</c>, then falls to
/// maxLr/(divFactor·finalDivFactor); momentum (or Adam's β₁) moves the opposite way between
/// <c>maxMomentum</c> and <c>baseMomentum</c>. Step it after every batch.
/// </summary>
/// <remarks>
/// As in PyTorch, <see cref="LRScheduler.Step"/> may be called <c>totalSteps</c> times after
/// construction; the last call (past the cycle) keeps the final learning rate and momentum where
/// PyTorch would extrapolate them.
/// Smith &amp; Topin, "Super-Convergence: Very Fast Training of Neural Networks Using Large Learning Rates", 2018.
/// </remarks>
public sealed class OneCycleLR : LRScheduler
{
    private readonly Phase[] _phases;
    private readonly AnnealStrategy _anneal;
    private readonly bool _cycleMomentum;
    private readonly double[] _initialLr;
    private readonly double[] _maxLr;
    private readonly double[] _minLr;
    private readonly double _baseMomentum;
    private readonly double _maxMomentum;

    private enum Point { Initial, Max, Min }

    private readonly record struct Phase(double EndStep, Point StartLr, Point EndLr, bool MomentumFromMax, bool MomentumToMax);

    /// <summary>Creates the schedule with the same peak for every group and takes step 0.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="maxLr">The peak learning rate.</param>
    /// <param name="totalSteps">The number of steps in the cycle; positive.</param>
    /// <param name="pctStart">The fraction of the cycle spent increasing the learning rate, in [0, 1].</param>
    /// <param name="annealStrategy">Cosine or linear annealing.</param>
    /// <param name="cycleMomentum">Also cycle momentum (or β₁) inversely to the learning rate.</param>
    /// <param name="baseMomentum">The lowest momentum, reached at the peak learning rate.</param>
    /// <param name="maxMomentum">The highest momentum, at the start and end of the cycle.</param>
    /// <param name="divFactor">The initial learning rate is maxLr / divFactor.</param>
    /// <param name="finalDivFactor">The final learning rate is the initial one / finalDivFactor.</param>
    /// <param name="threePhase">Use a symmetric ramp down to the initial rate before annihilating it (fast.ai's variant is two-phase).</param>
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3,
        AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true, double baseMomentum = 0.85,
        double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false)
        : this(optimizer, Enumerable.Repeat(maxLr, optimizer?.ParamGroups.Count ?? 0).ToArray(), totalSteps, pctStart,
            annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase)
    {
    }

    /// <summary>Creates the schedule with one peak learning rate per group and takes step 0.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="maxLrs">The peak learning rate of each group.</param>
    /// <param name="totalSteps">The number of steps in the cycle; positive.</param>
    /// <param name="pctStart">The fraction of the cycle spent increasing the learning rate, in [0, 1].</param>
    /// <param name="annealStrategy">Cosine or linear annealing.</param>
    /// <param name="cycleMomentum">Also cycle momentum (or β₁) inversely to the learning rate.</param>
    /// <param name="baseMomentum">The lowest momentum, reached at the peak learning rate.</param>
    /// <param name="maxMomentum">The highest momentum, at the start and end of the cycle.</param>
    /// <param name="divFactor">The initial learning rate is maxLr / divFactor.</param>
    /// <param name="finalDivFactor">The final learning rate is the initial one / finalDivFactor.</param>
    /// <param name="threePhase">Use a symmetric ramp down to the initial rate before annihilating it.</param>
    public OneCycleLR(Optimizer optimizer, IReadOnlyList<double> maxLrs, int totalSteps, double pctStart = 0.3,
        AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true, double baseMomentum = 0.85,
        double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(maxLrs);
        var groups = optimizer.ParamGroups;
        if (maxLrs.Count != groups.Count)
            throw new ArgumentException($"Expected {groups.Count} values for maxLrs (one per parameter group), got {maxLrs.Count}.", nameof(maxLrs));
        if (totalSteps <= 0)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"Expected positive integer totalSteps, but got {totalSteps}.");
        if (!(pctStart >= 0 && pctStart <= 1))
            throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, $"Expected a pctStart between 0 and 1, but got {pctStart}.");
        if (!Enum.IsDefined(annealStrategy))
            throw new ArgumentOutOfRangeException(nameof(annealStrategy), annealStrategy, "annealStrategy must be Cos or Linear.");
        if (!(divFactor > 0) || !(finalDivFactor > 0))
            throw new ArgumentOutOfRangeException(nameof(divFactor), "divFactor and finalDivFactor must be positive.");
        if (cycleMomentum && optimizer.MomentumKind == MomentumKind.None)
            throw new ArgumentException($"{optimizer.GetType().Name} has no momentum to cycle; pass cycleMomentum: false.", nameof(cycleMomentum));

        _phases = threePhase
            ?
            [
                new(pctStart * totalSteps - 1, Point.Initial, Point.Max, true, false),
                new(2 * pctStart * totalSteps - 2, Point.Max, Point.Initial, false, true),
                new(totalSteps - 1, Point.Initial, Point.Min, true, true),
            ]
            :
            [
                new(pctStart * totalSteps - 1, Point.Initial, Point.Max, true, false),
                new(totalSteps - 1, Point.Max, Point.Min, false, true),
            ];
        TotalSteps = totalSteps;
        _anneal = annealStrategy;
        _cycleMomentum = cycleMomentum;
        _baseMomentum = baseMomentum;
        _maxMomentum = maxMomentum;
        _initialLr = new double[groups.Count];
        _maxLr = new double[groups.Count];
        _minLr = new double[groups.Count];
        for (int i = 0; i < groups.Count; i++)
        {
            _maxLr[i] = maxLrs[i];
            _initialLr[i] = maxLrs[i] / divFactor;
            _minLr[i] = _initialLr[i] / finalDivFactor;
            groups[i].InitialLearningRate = _initialLr[i];
            if (cycleMomentum) SetMomentum(groups[i], maxMomentum);
        }
        InitialStep();
    }

    /// <summary>The number of steps in the cycle.</summary>
    public int TotalSteps { get; }

    /// <inheritdoc />
    protected override void ComputeLearningRates(Span<double> learningRates)
    {
        int stepNum = LastEpoch;
        if (stepNum > TotalSteps)
            throw new InvalidOperationException($"Tried to step {stepNum + 1} times. The specified number of total steps is {TotalSteps}.");
        var groups = Optimizer.ParamGroups;
        for (int g = 0; g < learningRates.Length; g++)
        {
            double startStep = 0;
            for (int i = 0; i < _phases.Length; i++)
            {
                var phase = _phases[i];
                if (stepNum <= phase.EndStep || i == _phases.Length - 1)
                {
                    // PyTorch extrapolates past the end of the cycle on the extra step it allows
                    // (a negative rate with linear annealing); the cycle's end values are held instead.
                    double pct = Math.Min((stepNum - startStep) / (phase.EndStep - startStep), 1.0);
                    learningRates[g] = Anneal(Value(phase.StartLr, g), Value(phase.EndLr, g), pct);
                    if (_cycleMomentum)
                    {
                        double from = phase.MomentumFromMax ? _maxMomentum : _baseMomentum;
                        double to = phase.MomentumToMax ? _maxMomentum : _baseMomentum;
                        SetMomentum(groups[g], Anneal(from, to, pct));
                    }
                    break;
                }
                startStep = phase.EndStep;
            }
        }
    }

    private double Value(Point point, int group) => point switch
    {
        Point.Initial => _initialLr[group],
        Point.Max => _maxLr[group],
        _ => _minLr[group],
    };

    private double Anneal(double start, double end, double pct) => _anneal == AnnealStrategy.Cos
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    private void SetMomentum(ParamGroup group, double momentum)
    {
        if (Optimizer.MomentumKind == MomentumKind.Beta1)
            group.Betas = (momentum, group.Betas.Beta2);
        else
            group.Momentum = momentum;
    }
}
