using System.Globalization;

namespace MultiTask.Engine.Optim;

/// <summary>
/// The base of epoch- or step-based learning-rate schedules (PyTorch's <c>_LRScheduler</c>): each
/// <see cref="Step"/> advances <see cref="LastEpoch"/> and writes new learning rates into the
/// optimizer's groups.
/// </summary>
/// <remarks>
/// Call <c>optimizer.Step()</c> before <c>scheduler.Step()</c>. Constructing a scheduler already
/// performs step 0 (as PyTorch does), which may change the learning rate (e.g. a warm-up's start
/// factor). A derived class computes the new rates in <see cref="ComputeLearningRates"/>, usually
/// from the current group rates (PyTorch's chainable form), and must call <see cref="InitialStep"/>
/// at the end of its constructor.
/// </remarks>
public abstract class LRScheduler
{
    private double[] _lastLr = [];
    private bool _initialized;

    /// <summary>Attaches the schedule to <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimizer whose learning rates are scheduled.</param>
    protected LRScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        BaseLrs = [];
    }

    /// <summary>The scheduled optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The learning rate each group started from (its <see cref="ParamGroup.InitialLearningRate"/>).</summary>
    public IReadOnlyList<double> BaseLrs { get; private set; }

    /// <summary>The index of the last step taken; 0 after construction.</summary>
    public int LastEpoch { get; private set; } = -1;

    /// <summary>
    /// Records each group's starting learning rate and takes step 0; call it last in the derived
    /// constructor, once the fields <see cref="ComputeLearningRates"/> reads are set.
    /// </summary>
    protected void InitialStep()
    {
        if (_initialized)
            throw new InvalidOperationException("InitialStep() was already called for this scheduler.");
        var groups = Optimizer.ParamGroups;
        var baseLrs = new double[groups.Count];
        for (int i = 0; i < groups.Count; i++)
        {
            groups[i].InitialLearningRate ??= groups[i].LearningRate;
            baseLrs[i] = groups[i].InitialLearningRate!.Value;
        }
        BaseLrs = baseLrs;
        _initialized = true;
        Step();
    }

    /// <summary>Advances the schedule by one step and sets the groups' learning rates.</summary>
    public void Step()
    {
        if (!_initialized)
            throw new InvalidOperationException($"{GetType().Name} must call InitialStep() at the end of its constructor.");
        var groups = Optimizer.ParamGroups;
        if (groups.Count != BaseLrs.Count)
            throw new InvalidOperationException(
                $"The optimizer has {groups.Count} parameter groups but the scheduler was created for {BaseLrs.Count}; create the scheduler after adding all groups.");
        LastEpoch++;
        var lrs = new double[groups.Count];
        ComputeLearningRates(lrs);
        for (int i = 0; i < groups.Count; i++) groups[i].LearningRate = lrs[i];
        _lastLr = lrs;
    }

    /// <summary>Computes the learning rate of every group for step <see cref="LastEpoch"/>.</summary>
    /// <param name="learningRates">Receives one learning rate per group.</param>
    protected abstract void ComputeLearningRates(Span<double> learningRates);

    /// <summary>The learning rates set by the last step, one per group.</summary>
    public IReadOnlyList<double> GetLastLr() => _lastLr;

    /// <summary>The schedule's progress, to resume exactly together with the optimizer's state dict.</summary>
    public virtual Dictionary<string, double> StateDict()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal) { ["last_epoch"] = LastEpoch };
        for (int i = 0; i < BaseLrs.Count; i++) d[Key("base_lrs", i)] = BaseLrs[i];
        for (int i = 0; i < _lastLr.Length; i++) d[Key("last_lr", i)] = _lastLr[i];
        return d;
    }

    /// <summary>Restores progress saved by <see cref="StateDict"/> from a scheduler of the same kind and group count.</summary>
    /// <param name="stateDict">The saved progress.</param>
    public virtual void LoadStateDict(IReadOnlyDictionary<string, double> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        int groups = Optimizer.ParamGroups.Count;
        var baseLrs = new double[groups];
        var lastLr = new double[groups];
        for (int i = 0; i < groups; i++)
        {
            baseLrs[i] = Required(stateDict, Key("base_lrs", i));
            lastLr[i] = Required(stateDict, Key("last_lr", i));
        }
        if (stateDict.ContainsKey(Key("base_lrs", groups)))
            throw new ArgumentException($"The scheduler state has more than the optimizer's {groups} parameter groups.", nameof(stateDict));
        LastEpoch = checked((int)Required(stateDict, "last_epoch"));
        BaseLrs = baseLrs;
        _lastLr = lastLr;
    }

    internal static double Required(IReadOnlyDictionary<string, double> d, string key) =>
        d.TryGetValue(key, out double v) ? v : throw new ArgumentException($"The scheduler state lacks '{key}'.", "stateDict");

    internal static string Key(string name, int index) => string.Create(CultureInfo.InvariantCulture, $"{name}.{index}");
}
