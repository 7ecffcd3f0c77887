using MultiTask.Engine.Tensors;

namespace MultiTask.Data;

/// <summary>
/// Chooses which task the next per-task batch is drawn for (see <see cref="DataLoader"/>). A sampler
/// turns per-task weights into probabilities; tasks without labelled rows always get probability 0.
/// Derive from it and implement <see cref="ComputeWeights"/> to add a strategy.
/// </summary>
public abstract class TaskSampler
{
    private double[]? _probabilities;
    private double[]? _cumulative;

    /// <summary>The task names, set by <see cref="Initialize"/>.</summary>
    public IReadOnlyList<string> TaskNames { get; private set; } = [];

    /// <summary>The number of labelled rows n_t per task, set by <see cref="Initialize"/>.</summary>
    public IReadOnlyList<int> LabelCounts { get; private set; } = [];

    /// <summary>Sampling with equal probability for every task with labels.</summary>
    public static TaskSampler Uniform() => new UniformTaskSampler();

    /// <summary>Sampling with p_t ∝ n_t, the number of labelled rows of task t.</summary>
    public static TaskSampler Proportional() => new ProportionalTaskSampler();

    /// <summary>Temperature sampling p_t ∝ n_t^(1/T): T = 1 is proportional, T → ∞ uniform.</summary>
    /// <param name="temperature">T &gt; 0 (may be infinity).</param>
    public static TaskSampler Temperature(double temperature) => new TemperatureTaskSampler(temperature);

    /// <summary>Dynamic sampling toward tasks whose validation loss lags: p_t ∝ exp(r_t / τ), r_t = L_t(current) / L_t(initial).</summary>
    /// <param name="tau">The temperature τ &gt; 0.</param>
    public static TaskSampler Dynamic(double tau = 1.0) => new DynamicTaskSampler(tau);

    /// <summary>
    /// Binds the sampler to tasks and their labelled-row counts (the <see cref="DataLoader"/> calls it).
    /// Resets any state, such as the losses a dynamic sampler has seen.
    /// </summary>
    /// <param name="taskNames">The task names, in task order.</param>
    /// <param name="labelCounts">The labelled rows per task, same order.</param>
    public void Initialize(IReadOnlyList<string> taskNames, IReadOnlyList<int> labelCounts)
    {
        ArgumentNullException.ThrowIfNull(taskNames);
        ArgumentNullException.ThrowIfNull(labelCounts);
        if (taskNames.Count == 0 || taskNames.Count != labelCounts.Count)
            throw new ArgumentException(
                $"A task sampler needs one label count per task, got {taskNames.Count} tasks and {labelCounts.Count} counts.", nameof(labelCounts));
        if (labelCounts.Any(c => c < 0) || labelCounts.All(c => c == 0))
            throw new ArgumentException(
                $"Label counts must be non-negative with at least one task labelled, got [{string.Join(", ", labelCounts)}].", nameof(labelCounts));
        TaskNames = taskNames.ToArray();
        LabelCounts = labelCounts.ToArray();
        OnInitialized();
        Invalidate();
    }

    /// <summary>The probability of drawing each task, in task order (sums to 1).</summary>
    /// <exception cref="InvalidOperationException">The sampler has not been initialised.</exception>
    public IReadOnlyList<double> Probabilities => Ensure();

    /// <summary>The probability of drawing the named task.</summary>
    public double Probability(string task)
    {
        var p = Ensure();
        for (int i = 0; i < TaskNames.Count; i++)
            if (TaskNames[i] == task) return p[i];
        throw new KeyNotFoundException($"The sampler has no task '{task}' (tasks: {string.Join(", ", TaskNames)}).");
    }

    /// <summary>Draws a task index with the current probabilities.</summary>
    /// <param name="generator">The seeded source of randomness.</param>
    public int Sample(Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Ensure();
        double u = generator.NextDouble();
        var cdf = _cumulative!;
        for (int i = 0; i < cdf.Length; i++)
            if (u < cdf[i]) return i;
        for (int i = cdf.Length - 1; i >= 0; i--)
            if (_probabilities![i] > 0) return i;
        return cdf.Length - 1;
    }

    /// <summary>
    /// Reports per-task validation losses at the end of an epoch; the trainer calls it every epoch for
    /// every sampler. The default does nothing; adaptive samplers override it.
    /// </summary>
    /// <param name="validationLosses">Task name → validation loss; tasks may be left out.</param>
    public virtual void Update(IReadOnlyDictionary<string, double> validationLosses)
    {
    }

    /// <summary>
    /// Throws when <see cref="Update"/> would reject <paramref name="validationLosses"/>'s values; lets a checkpoint's
    /// recorded updates be checked before it loads, when the sampler is not yet bound to data. Task names are checked
    /// by the caller. The default accepts any value, as the default <see cref="Update"/> ignores them.
    /// </summary>
    internal virtual void ValidateUpdate(IReadOnlyDictionary<string, double> validationLosses)
    {
    }

    /// <summary>Unnormalised non-negative weights, one per task in <see cref="TaskNames"/> order.</summary>
    protected abstract double[] ComputeWeights();

    /// <summary>Called by <see cref="Initialize"/> after the tasks are set, to reset strategy state.</summary>
    protected virtual void OnInitialized()
    {
    }

    /// <summary>Makes the next query recompute the probabilities (call after the weights change).</summary>
    protected void Invalidate()
    {
        _probabilities = null;
        _cumulative = null;
    }

    private double[] Ensure()
    {
        if (_probabilities is not null) return _probabilities;
        if (TaskNames.Count == 0)
            throw new InvalidOperationException("The task sampler has not been initialised; pass it to a DataLoader or call Initialize(taskNames, labelCounts).");
        var w = ComputeWeights();
        if (w.Length != TaskNames.Count)
            throw new InvalidOperationException($"{GetType().Name} returned {w.Length} weights for {TaskNames.Count} tasks.");
        double total = 0;
        for (int i = 0; i < w.Length; i++)
        {
            if (!double.IsFinite(w[i]) || w[i] < 0)
                throw new InvalidOperationException($"{GetType().Name} returned weight {w[i]} for task '{TaskNames[i]}'; weights must be finite and non-negative.");
            if (LabelCounts[i] == 0) w[i] = 0;
            total += w[i];
        }
        if (total <= 0)
            throw new InvalidOperationException($"{GetType().Name} gave every labelled task weight 0; at least one must be positive.");
        var p = new double[w.Length];
        var cdf = new double[w.Length];
        double acc = 0;
        for (int i = 0; i < w.Length; i++)
        {
            p[i] = w[i] / total;
            acc += p[i];
            cdf[i] = acc;
        }
        _cumulative = cdf;
        return _probabilities = p;
    }
}
