using MultiTask.Data;
using MultiTask.Engine.Tensors;

namespace MultiTask.Training;

/// <summary>
/// Group distributionally robust training: each task is trained on a weighted sum of its losses on the groups of
/// rows (<see cref="EncodedData.Groups"/>), with weights that move towards the groups whose loss is highest, so that
/// training minimises the worst group's loss rather than the average.
/// </summary>
/// <remarks>
/// <para>
/// Sagawa, Koh, Hashimoto &amp; Liang, "Distributionally Robust Neural Networks for Group Shifts", ICLR 2020
/// (Algorithm 1). For task t with groups g = 1..G and weights q (uniform at the start), each batch: Lᵍ is the task's
/// masked mean loss over the batch's labelled rows of group g; q_g ← q_g·exp(η·(Lᵍ + C/√nᵍ)) for every group in the
/// batch, then q is renormalised over all groups; the task's loss is Σ_g q_g·Lᵍ over the groups in the batch (the
/// authors' code: a group without rows in the batch adds nothing and keeps its weight). nᵍ is the group's number of
/// labelled training rows of the task and C the paper's generalisation adjustment (0: off), which favours small
/// groups whose training loss understates their test loss.
/// </para>
/// <para>
/// The trade-off is the usual one: the worst group gains at the cost of the average, and a group whose labels are
/// mostly noise draws weight it cannot use (the paper pairs group DRO with strong L2 or early stopping for that
/// reason). The losses the trainer reports are still the plain masked means, so runs with and without it compare
/// directly; <see cref="Weights"/> shows where the weight went. Set it with <see cref="TrainerOptions.GroupDro"/> and
/// give the training data its groups with <see cref="EncodedData.WithGroups"/>.
/// </para>
/// <para>
/// The weights are state: they continue across <c>Fit</c> calls of the same trainer and are saved in its
/// checkpoints. An instance belongs to one trainer; a second trainer is refused.
/// </para>
/// </remarks>
public sealed class GroupDro
{
    private object? _owner;
    private string[] _tasks = [];
    private string[] _groups = [];
    private double[][] _weights = [];
    private double[][] _adjustments = [];
    private int[] _rowGroup = [];
    private Dictionary<string, double>? _loaded;

    /// <summary>Creates the method.</summary>
    /// <param name="stepSize">η, the step of the exponentiated-gradient update of the group weights (&gt; 0; the authors' default 0.01).</param>
    /// <param name="adjustment">C of the generalisation adjustment C/√nᵍ (≥ 0; 0 turns it off).</param>
    /// <exception cref="ArgumentOutOfRangeException">A step size that is not positive and finite, or a negative adjustment.</exception>
    public GroupDro(double stepSize = 0.01, double adjustment = 0)
    {
        if (!(stepSize > 0 && double.IsFinite(stepSize)))
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, $"GroupDro's step size must be positive and finite, got {stepSize}.");
        if (!(adjustment >= 0 && double.IsFinite(adjustment)))
            throw new ArgumentOutOfRangeException(nameof(adjustment), adjustment, $"GroupDro's adjustment must be finite and ≥ 0, got {adjustment}.");
        StepSize = stepSize;
        Adjustment = adjustment;
    }

    /// <summary>η, the step of the group weights' update.</summary>
    public double StepSize { get; }

    /// <summary>C of the generalisation adjustment C/√nᵍ.</summary>
    public double Adjustment { get; }

    /// <summary>The groups of the training rows, in ordinal order; empty before the first <c>Fit</c>.</summary>
    public IReadOnlyList<string> GroupNames => _groups;

    /// <summary>The current weight of each group for <paramref name="task"/> (they sum to 1).</summary>
    /// <exception cref="ArgumentException">Not a task of the trainer this method is bound to (or not bound yet).</exception>
    public IReadOnlyDictionary<string, double> Weights(string task)
    {
        int t = Array.IndexOf(_tasks, task);
        if (t < 0)
            throw new ArgumentException($"'{task}' is not a task this GroupDro trains ({(_tasks.Length == 0 ? "none yet: call Fit first" : string.Join(", ", _tasks))}).", nameof(task));
        return _groups.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => _weights[t][p.i], StringComparer.Ordinal);
    }

    internal void Bind(object trainer, EncodedData train, TaskBinding[] bindings)
    {
        if (_owner is not null && !ReferenceEquals(_owner, trainer))
            throw new InvalidOperationException("This GroupDro already belongs to another trainer; give each trainer its own instance (its group weights are training state).");
        var rowGroups = train.Groups ?? throw new ArgumentException(
            "TrainerOptions.GroupDro needs the group of every training row; give the training data its groups, e.g. encoder.Transform(data).WithGroups(data.CategoricalValues(\"zone\")).",
            nameof(train));
        var groups = rowGroups.Distinct().Order(StringComparer.Ordinal).ToArray();
        var index = groups.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i, StringComparer.Ordinal);
        var tasks = bindings.Select(b => b.Name).ToArray();
        _rowGroup = rowGroups.Select(g => index[g]).ToArray();
        _adjustments = bindings.Select(b =>
        {
            var counts = new int[groups.Length];
            foreach (int r in train.LabeledRows(b.DataIndex)) counts[_rowGroup[r]]++;
            return counts.Select(n => n == 0 ? 0 : Adjustment / Math.Sqrt(n)).ToArray();
        }).ToArray();

        if (_loaded is { } loaded)
        {
            _weights = FromState(loaded, tasks, groups);
            _loaded = null;
        }
        else if (!(_owner is not null && tasks.SequenceEqual(_tasks) && groups.SequenceEqual(_groups)))
        {
            _weights = tasks.Select(_ => Enumerable.Repeat(1.0 / groups.Length, groups.Length).ToArray()).ToArray();
        }
        _tasks = tasks;
        _groups = groups;
        _owner = trainer;
    }

    /// <summary>Updates task <paramref name="task"/>'s group weights from this batch and returns its robust loss Σ_g q_g·Lᵍ.</summary>
    internal Tensor Loss(int task, TaskBinding binding, Tensor output, Batch batch)
    {
        var mask = batch.Mask(binding.DataIndex).ToArray();
        var targets = batch.Targets(binding.DataIndex);
        var rows = batch.Rows;
        var losses = new List<(int Group, Tensor Loss)>();
        for (int g = 0; g < _groups.Length; g++)
        {
            var groupMask = new float[mask.Length];
            bool any = false;
            for (int r = 0; r < mask.Length; r++)
            {
                if (mask[r] == 0f || _rowGroup[rows[r]] != g) continue;
                groupMask[r] = mask[r];
                any = true;
            }
            if (any) losses.Add((g, binding.ComputeLoss(output, targets, Tensor.FromArray(groupMask, mask.Length))));
        }

        var q = _weights[task];
        foreach (var (g, loss) in losses) q[g] *= Math.Exp(StepSize * (loss.Item() + _adjustments[task][g]));
        double sum = q.Sum();
        // An overflowing exponent would turn every weight into NaN; the largest group then takes all the weight, as the limit says.
        if (!double.IsFinite(sum) || sum <= 0)
        {
            int worst = losses.MaxBy(l => l.Loss.Item()).Group;
            for (int g = 0; g < q.Length; g++) q[g] = g == worst ? 1 : 0;
        }
        else
        {
            for (int g = 0; g < q.Length; g++) q[g] /= sum;
        }

        Tensor? total = null;
        foreach (var (g, loss) in losses)
        {
            var term = loss * (float)q[g];
            total = total is null ? term : total + term;
        }
        return total!;
    }

    /// <summary>The group weights as flat values keyed <c>task.group</c> (task names contain no '.').</summary>
    internal Dictionary<string, double> StateValues()
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int t = 0; t < _tasks.Length; t++)
            for (int g = 0; g < _groups.Length; g++) values[$"{_tasks[t]}.{_groups[g]}"] = _weights[t][g];
        return values;
    }

    /// <summary>A copy of the state, for putting back after a failed checkpoint load.</summary>
    internal (double[][] Weights, Dictionary<string, double>? Loaded) Snapshot() => ([.. _weights.Select(w => (double[])w.Clone())], _loaded);

    internal void Restore((double[][] Weights, Dictionary<string, double>? Loaded) state) => (_weights, _loaded) = state;

    /// <summary>Checks saved group weights against the bound tasks and groups, or keeps them for the next <c>Fit</c>'s binding.</summary>
    internal void LoadStateValues(Dictionary<string, double> values)
    {
        if (values.Values.Any(v => !(v >= 0 && double.IsFinite(v))))
            throw new ArgumentException("A group weight is negative or not finite.");
        if (_tasks.Length > 0) _weights = FromState(values, _tasks, _groups);
        else _loaded = new Dictionary<string, double>(values, StringComparer.Ordinal);
    }

    private static double[][] FromState(Dictionary<string, double> values, string[] tasks, string[] groups)
    {
        if (values.Count != tasks.Length * groups.Length)
            throw new ArgumentException(
                $"The saved group weights have {values.Count} entries but the training data gives {tasks.Length} tasks × {groups.Length} groups ({string.Join(", ", groups)}); resume with the same training rows and groups.");
        return tasks.Select(t => groups.Select(g => values.TryGetValue($"{t}.{g}", out double v) ? v
            : throw new ArgumentException($"The saved group weights have no entry for task '{t}' and group '{g}'; resume with the same training rows and groups.")).ToArray()).ToArray();
    }
}
