namespace MultiTask.Data;

/// <summary>
/// Shifts sampling toward tasks whose validation loss lags: p_t ∝ exp(r_t / τ), with
/// r_t = L_t(current) / L_t(initial), the task's latest validation loss relative to the first one
/// reported. A task that has improved less (larger r_t) is drawn more often; a smaller τ shifts
/// harder. Before any loss is reported every r_t = 1, i.e. uniform sampling.
/// </summary>
/// <remarks>
/// The trainer calls <see cref="Update"/> after each epoch's validation. A task missing from an update
/// keeps its previous ratio; a task whose first reported loss is 0 keeps r_t = 1. In the spirit of
/// dynamic task sampling for multi-task learning (Sharma, Jain and Ravindran, "Learning to Multi-Task
/// by Active Sampling", ICLR 2018), with the loss ratio of GradNorm (Chen et al., 2018) as the signal.
/// </remarks>
public sealed class DynamicTaskSampler : TaskSampler
{
    private double[] _initial = [];
    private double[] _ratios = [];

    /// <summary>Creates a dynamic sampler.</summary>
    /// <param name="tau">The temperature τ &gt; 0.</param>
    public DynamicTaskSampler(double tau = 1.0)
    {
        if (!double.IsFinite(tau) || tau <= 0)
            throw new ArgumentOutOfRangeException(nameof(tau), $"tau must be finite and > 0 (e.g. 0.5), got {tau}.");
        Tau = tau;
    }

    /// <summary>The temperature τ.</summary>
    public double Tau { get; }

    /// <summary>The current ratios r_t = L_t(current) / L_t(initial), in task order.</summary>
    public IReadOnlyList<double> Ratios => _ratios;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A loss is negative or not finite, or names an unknown task.</exception>
    public override void Update(IReadOnlyDictionary<string, double> validationLosses)
    {
        ArgumentNullException.ThrowIfNull(validationLosses);
        if (_ratios.Length == 0)
            throw new InvalidOperationException("The dynamic sampler has not been initialised; pass it to a DataLoader first.");
        ValidateUpdate(validationLosses);
        foreach (var (task, loss) in validationLosses)
        {
            int t = IndexOf(task);
            if (double.IsNaN(_initial[t])) _initial[t] = loss;
            _ratios[t] = _initial[t] > 0 ? loss / _initial[t] : 1.0;
        }
        Invalidate();
    }

    internal override void ValidateUpdate(IReadOnlyDictionary<string, double> validationLosses)
    {
        foreach (var (task, loss) in validationLosses)
        {
            if (!double.IsFinite(loss) || loss < 0)
                throw new ArgumentException($"Validation loss of task '{task}' is {loss}; losses must be finite and non-negative.", nameof(validationLosses));
        }
    }

    /// <inheritdoc/>
    protected override void OnInitialized()
    {
        _initial = Enumerable.Repeat(double.NaN, TaskNames.Count).ToArray();
        _ratios = Enumerable.Repeat(1.0, TaskNames.Count).ToArray();
    }

    /// <inheritdoc/>
    protected override double[] ComputeWeights()
    {
        double max = double.NegativeInfinity;
        for (int t = 0; t < _ratios.Length; t++)
            if (LabelCounts[t] > 0) max = Math.Max(max, _ratios[t]);
        return _ratios.Select(r => Math.Exp((r - max) / Tau)).ToArray();
    }

    private int IndexOf(string task)
    {
        for (int i = 0; i < TaskNames.Count; i++)
            if (TaskNames[i] == task) return i;
        throw new ArgumentException($"Validation losses name task '{task}', which the sampler does not know (tasks: {string.Join(", ", TaskNames)}).", nameof(task));
    }
}
