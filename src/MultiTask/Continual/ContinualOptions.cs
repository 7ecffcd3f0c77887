using MultiTask.Training;

namespace MultiTask.Continual;

/// <summary>How <see cref="SequentialTraining"/> trains its stages and what it does against forgetting.</summary>
/// <remarks>With neither <see cref="EwcStrength"/> nor <see cref="ReplayCapacity"/> set, the stages train naively, one after another.</remarks>
public sealed record ContinualOptions
{
    /// <summary>
    /// The trainer options of stage s (0-based). Return new options, with new stateful objects (weighting, callbacks), on every
    /// call. Leave <see cref="TrainerOptions.Regularization"/> null when <see cref="EwcStrength"/> is set: the stage's term is the
    /// EWC penalty. Default: <c>new TrainerOptions()</c>.
    /// </summary>
    public Func<int, TrainerOptions> StageOptions { get; init; } = _ => new TrainerOptions();

    /// <summary>
    /// λ of elastic weight consolidation (<see cref="ElasticWeightConsolidation"/>): after each stage its tasks are consolidated on
    /// their training rows, and later stages train with the penalty. 0 (the default) turns it off.
    /// </summary>
    public double EwcStrength { get; init; }

    /// <summary>The parameters EWC protects (default: the shared parameters).</summary>
    public ParameterSelector? EwcParameters { get; init; }

    /// <summary>
    /// The capacity of the rehearsal memory (<see cref="ReplayBuffer"/>): each stage's training rows are offered to it after the
    /// stage, and its rows are mixed into every later stage's training data. 0 (the default) turns it off.
    /// </summary>
    public int ReplayCapacity { get; init; }

    /// <summary>The seed of the replay buffer's reservoir sampling.</summary>
    public ulong ReplaySeed { get; init; }

    /// <summary>The evaluation metric of the results matrix, one every task reports (e.g. <c>rmse</c>, <c>accuracy</c>). Default <c>rmse</c>.</summary>
    public string Metric { get; init; } = "rmse";

    /// <summary>Checks the options; throws an exception naming the first invalid one.</summary>
    /// <exception cref="ArgumentException">A missing factory or metric, a negative or non-finite strength, or a negative capacity.</exception>
    public void Validate()
    {
        if (StageOptions is null) throw new ArgumentException("ContinualOptions.StageOptions is null; pass a function returning each stage's TrainerOptions.", nameof(StageOptions));
        if (!(EwcStrength >= 0 && double.IsFinite(EwcStrength)))
            throw new ArgumentOutOfRangeException(nameof(EwcStrength), EwcStrength, $"EwcStrength must be finite and non-negative, got {EwcStrength}; 0 turns EWC off.");
        if (ReplayCapacity < 0)
            throw new ArgumentOutOfRangeException(nameof(ReplayCapacity), ReplayCapacity, $"ReplayCapacity must be at least 0, got {ReplayCapacity}; 0 turns replay off.");
        if (string.IsNullOrWhiteSpace(Metric)) throw new ArgumentException("ContinualOptions.Metric is empty; name a metric every task reports, e.g. \"rmse\".", nameof(Metric));
    }
}
