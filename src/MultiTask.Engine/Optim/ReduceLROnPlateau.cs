namespace MultiTask.Engine.Optim;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> watches a metric that should fall (a loss) or rise (an accuracy).</summary>
public enum PlateauMode
{
    /// <summary>Lower is better.</summary>
    Min,

    /// <summary>Higher is better.</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> decides that a metric improved.</summary>
public enum ThresholdMode
{
    /// <summary>Better than best·(1 ∓ threshold).</summary>
    Relative,

    /// <summary>Better than best ∓ threshold.</summary>
    Absolute,
}

/// <summary>
/// Multiplies the learning rates by <c>factor</c> when a metric has not improved for
/// <c>patience</c> steps (PyTorch's <c>ReduceLROnPlateau</c>). Call <see cref="Step"/> with the
/// validation metric after each epoch.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private readonly PlateauMode _mode;
    private readonly ThresholdMode _thresholdMode;
    private readonly double _factor;
    private readonly int _patience;
    private readonly double _threshold;
    private readonly int _cooldown;
    private readonly double[] _minLrs;
    private readonly double _eps;
    private double[] _lastLr;

    /// <summary>Creates the scheduler; unlike the other schedulers it does not change the learning rate on creation.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="mode">Whether the metric should fall or rise.</param>
    /// <param name="factor">The factor applied to the learning rates, in [0, 1).</param>
    /// <param name="patience">The number of steps without improvement tolerated before reducing.</param>
    /// <param name="threshold">The least change that counts as an improvement.</param>
    /// <param name="thresholdMode">Whether <paramref name="threshold"/> is relative or absolute.</param>
    /// <param name="cooldown">The number of steps to wait after a reduction before counting bad steps again.</param>
    /// <param name="minLr">The lower bound of every group's learning rate.</param>
    /// <param name="eps">Reductions smaller than this are skipped.</param>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Relative, int cooldown = 0, double minLr = 0,
        double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(factor < 1.0 && factor >= 0))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "Factor should be in [0, 1).");
        if (!Enum.IsDefined(mode))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "mode must be Min or Max.");
        if (!Enum.IsDefined(thresholdMode))
            throw new ArgumentOutOfRangeException(nameof(thresholdMode), thresholdMode, "thresholdMode must be Relative or Absolute.");
        if (patience < 0)
            throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience must be non-negative.");
        if (cooldown < 0)
            throw new ArgumentOutOfRangeException(nameof(cooldown), cooldown, "cooldown must be non-negative.");
        if (!(minLr >= 0))
            throw new ArgumentOutOfRangeException(nameof(minLr), minLr, "minLr must be non-negative.");
        Optimizer = optimizer;
        _mode = mode;
        _factor = factor;
        _patience = patience;
        _threshold = threshold;
        _thresholdMode = thresholdMode;
        _cooldown = cooldown;
        _minLrs = Enumerable.Repeat(minLr, optimizer.ParamGroups.Count).ToArray();
        _eps = eps;
        _lastLr = optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
        Best = WorstValue;
    }

    /// <summary>The scheduled optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The number of steps taken.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The best metric seen so far (±∞ before the first step).</summary>
    public double Best { get; private set; }

    /// <summary>The number of consecutive steps without improvement.</summary>
    public int NumBadEpochs { get; private set; }

    /// <summary>The number of steps left in the current cooldown.</summary>
    public int CooldownCounter { get; private set; }

    private double WorstValue => _mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Records one value of the watched metric and reduces the learning rates after a plateau.</summary>
    /// <param name="metric">The metric, e.g. the validation loss.</param>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            NumBadEpochs = 0;
        }
        if (NumBadEpochs > _patience)
        {
            ReduceLr();
            CooldownCounter = _cooldown;
            NumBadEpochs = 0;
        }
        _lastLr = Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
    }

    /// <summary>The learning rates after the last step, one per group.</summary>
    public IReadOnlyList<double> GetLastLr() => _lastLr;

    private void ReduceLr()
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++)
        {
            double old = groups[i].LearningRate;
            double next = Math.Max(old * _factor, i < _minLrs.Length ? _minLrs[i] : 0);
            if (old - next > _eps) groups[i].LearningRate = next;
        }
    }

    private bool IsBetter(double a, double best) => (_mode, _thresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Relative) => a < best * (1.0 - _threshold),
        (PlateauMode.Min, ThresholdMode.Absolute) => a < best - _threshold,
        (PlateauMode.Max, ThresholdMode.Relative) => a > best * (_threshold + 1.0),
        _ => a > best + _threshold,
    };

    /// <summary>The scheduler's progress, to resume exactly.</summary>
    public Dictionary<string, double> StateDict()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["last_epoch"] = LastEpoch,
            ["best"] = Best,
            ["num_bad_epochs"] = NumBadEpochs,
            ["cooldown_counter"] = CooldownCounter,
        };
        for (int i = 0; i < _lastLr.Length; i++) d[LRScheduler.Key("last_lr", i)] = _lastLr[i];
        return d;
    }

    /// <summary>Restores progress saved by <see cref="StateDict"/>.</summary>
    /// <param name="stateDict">The saved progress.</param>
    public void LoadStateDict(IReadOnlyDictionary<string, double> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        int groups = Optimizer.ParamGroups.Count;
        var lastLr = new double[groups];
        for (int i = 0; i < groups; i++) lastLr[i] = LRScheduler.Required(stateDict, LRScheduler.Key("last_lr", i));
        int lastEpoch = checked((int)LRScheduler.Required(stateDict, "last_epoch"));
        double best = LRScheduler.Required(stateDict, "best");
        int numBadEpochs = checked((int)LRScheduler.Required(stateDict, "num_bad_epochs"));
        int cooldownCounter = checked((int)LRScheduler.Required(stateDict, "cooldown_counter"));
        LastEpoch = lastEpoch;
        Best = best;
        NumBadEpochs = numBadEpochs;
        CooldownCounter = cooldownCounter;
        _lastLr = lastLr;
    }
}
