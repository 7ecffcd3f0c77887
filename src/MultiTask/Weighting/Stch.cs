using System.Globalization;
using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Smooth Tchebycheff scalarisation (STCH): minimises a smooth maximum of the tasks' log-losses relative to an
/// ideal point, so the worst-off task always gets the most weight.
/// </summary>
/// <remarks>
/// <para>
/// Lin, Zhang, Yang, Liu, Wang and Zhang, "Smooth Tchebycheff Scalarization for Multi-Objective Optimization",
/// ICML 2024, eq. (9), with the ideal point and warm-up of the authors' multi-task code. The scalarisation is
/// </para>
/// <para>g(θ) = μ·log Σᵢ exp(wᵢ·(fᵢ(θ) − zᵢ)/μ),</para>
/// <para>
/// a smooth upper bound on maxᵢ wᵢ(fᵢ − zᵢ) that tends to it as the smoothing μ → 0. As in the authors' code the
/// objectives are the log-losses, fᵢ = log Lᵢ, and the ideal point is zᵢ = log L̄ᵢ, L̄ᵢ the task's average loss over
/// the epoch that ends the warm-up; the objective is scaled by the number of tasks K present:
/// </para>
/// <list type="bullet">
/// <item>epochs before <see cref="WarmupEpochs"/>: L = Σᵢ log Lᵢ (weights 1/Lᵢ);</item>
/// <item>epoch <see cref="WarmupEpochs"/>: the same objective, while each task's average loss L̄ᵢ is recorded;</item>
/// <item>later epochs: L = K·μ·log Σᵢ exp(wᵢ·log(Lᵢ/L̄ᵢ)/μ), whose weight on Lᵢ is K·pᵢ·wᵢ/Lᵢ with
/// pᵢ = softmaxᵢ(wᵢ·log(Lᵢ/L̄ᵢ)/μ).</item>
/// </list>
/// <para>
/// The epoch is the context's <see cref="WeightingContext.Epoch"/>, which the trainer advances. The preferences wᵢ
/// default to 1 (tasks left out of the constructor's dictionary get 1). A task that had no labels during the
/// recording epoch takes its first later loss as L̄ᵢ. Absent tasks are left out of the sum and of K. The state dict
/// holds the recorded sums and the fixed ideal point, so a resumed run continues exactly. Every loss must be
/// positive (it takes log Lᵢ).
/// </para>
/// <para>
/// Use it when no task may fall behind: it optimises the worst relative improvement. Defaults μ = 1 and a 4-epoch
/// warm-up are those of the authors' code (LibMTL's <c>STCH_mu</c>, <c>STCH_warmup_epoch</c>).
/// </para>
/// </remarks>
public sealed class Stch : LossWeighting
{
    private const float LogEpsilon = 1e-20f;
    private readonly Dictionary<string, double> _preferences;
    private double[]? _w;
    private double[]? _sums;
    private long[]? _counts;
    private double[]? _ideal;

    /// <summary>Creates the strategy.</summary>
    /// <param name="mu">The smoothing μ (&gt; 0); smaller is closer to the plain maximum.</param>
    /// <param name="warmupEpochs">The number of epochs trained on Σᵢ log Lᵢ before the ideal point is recorded (≥ 0).</param>
    /// <param name="preferences">The preference wᵢ (&gt; 0) of some tasks by name; the others get 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">μ is not positive and finite, or the warm-up is negative.</exception>
    /// <exception cref="ArgumentException">A preference is not positive and finite.</exception>
    public Stch(double mu = 1.0, int warmupEpochs = 4, IReadOnlyDictionary<string, double>? preferences = null)
    {
        if (!double.IsFinite(mu) || mu <= 0)
            throw new ArgumentOutOfRangeException(nameof(mu), mu, "STCH's smoothing mu must be positive and finite (the paper's code uses 1).");
        ArgumentOutOfRangeException.ThrowIfNegative(warmupEpochs);
        _preferences = new Dictionary<string, double>(preferences ?? new Dictionary<string, double>(), StringComparer.Ordinal);
        foreach (var (task, w) in _preferences)
        {
            if (!double.IsFinite(w) || w <= 0)
                throw new ArgumentException($"STCH's preference of task '{task}' is {w}; preferences must be positive and finite.", nameof(preferences));
        }
        Mu = mu;
        WarmupEpochs = warmupEpochs;
    }

    /// <summary>The smoothing μ.</summary>
    public double Mu { get; }

    /// <summary>The number of warm-up epochs; the ideal point is recorded during the epoch of this index.</summary>
    public int WarmupEpochs { get; }

    /// <summary>The ideal point's losses L̄ᵢ once fixed (after the recording epoch), else null; NaN for a task not yet seen.</summary>
    public IReadOnlyList<double>? IdealLosses => _ideal;

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context)
    {
        var unknown = _preferences.Keys.Where(n => !context.TaskNames.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException(
                $"STCH has preferences for unknown task(s) {string.Join(", ", unknown.Select(k => $"'{k}'"))}. Known tasks: {context.KnownTasks()}.",
                nameof(context));
        _w = [.. context.TaskNames.Select(n => _preferences.TryGetValue(n, out var w) ? w : 1.0)];
        _sums = new double[context.TaskCount];
        _counts = new long[context.TaskCount];
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A loss is not positive.</exception>
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        int k = taskLosses.Count;
        var values = new double[k];
        int present = 0;
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            values[i] = loss.Item();
            if (values[i] <= 0)
                throw new ArgumentException(
                    $"STCH takes the logarithm of every loss, but task '{context.TaskNames[i]}' has loss {values[i]} at step {context.Step}; use it only with positive losses.",
                    nameof(taskLosses));
            present++;
        }
        var weights = new double[k];
        if (context.Epoch <= WarmupEpochs && _ideal is null)
        {
            Tensor? sum = null;
            for (int i = 0; i < k; i++)
            {
                if (taskLosses[i] is not { } loss) continue;
                var term = (loss + LogEpsilon).Log();
                sum = sum is null ? term : sum + term;
                weights[i] = 1 / (values[i] + LogEpsilon);
                if (context.Epoch == WarmupEpochs)
                {
                    _sums![i] += values[i];
                    _counts![i]++;
                }
            }
            return new WeightingResult(weights, BackwardObjective(sum, context));
        }

        _ideal ??= [.. _sums!.Select((s, i) => _counts![i] > 0 ? s / _counts[i] : double.NaN)];
        var scaled = new List<Tensor>(present);
        var logits = new double[k];
        double max = double.NegativeInfinity;
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            if (double.IsNaN(_ideal[i])) _ideal[i] = values[i];
            scaled.Add((loss * (float)(1 / _ideal[i]) + LogEpsilon).Log() * (float)(_w![i] / Mu));
            logits[i] = _w[i] * Math.Log(values[i] / _ideal[i] + LogEpsilon) / Mu;
            max = Math.Max(max, logits[i]);
        }
        var objective = Tensor.Stack(scaled).LogSumExp(0) * (float)(present * Mu);
        double norm = 0;
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is not null) norm += Math.Exp(logits[i] - max);
        }
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is null) continue;
            double p = Math.Exp(logits[i] - max) / norm;
            weights[i] = present * p * _w![i] / (_ideal[i] * (values[i] / _ideal[i] + LogEpsilon));
        }
        return new WeightingResult(weights, BackwardObjective(objective, context));
    }

    /// <summary>
    /// Snapshots the recorded loss sums and counts (<c>sum.{task}</c>, <c>count.{task}</c>) and, once fixed, the ideal
    /// point (<c>ideal.{task}</c> for every task seen, and <c>ideal_fixed</c> = 1).
    /// </summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public override WeightingStateDict StateDict()
    {
        var names = TaskNames ?? throw NotInitialized();
        var sd = new WeightingStateDict();
        for (int i = 0; i < names.Count; i++)
        {
            sd.Values[$"sum.{names[i]}"] = _sums![i];
            sd.Values[$"count.{names[i]}"] = _counts![i];
            if (_ideal is not null && !double.IsNaN(_ideal[i])) sd.Values[$"ideal.{names[i]}"] = _ideal[i];
        }
        if (_ideal is not null) sd.Values["ideal_fixed"] = 1;
        return sd;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var names = TaskNames ?? throw NotInitialized();
        var keys = names.SelectMany(n => new[] { $"sum.{n}", $"count.{n}", $"ideal.{n}" }).Append("ideal_fixed").ToHashSet(StringComparer.Ordinal);
        var reader = new StateReader(stateDict, nameof(Stch), [], keys.Contains);
        var sums = names.Select(n => reader.Value($"sum.{n}")).ToArray();
        var counts = names.Select(n => reader.Count($"count.{n}", long.MaxValue / 2)).ToArray();
        bool fixedIdeal = reader.Value("ideal_fixed", 0) switch
        {
            0 => false,
            1 => true,
            var v => throw new ArgumentException($"STCH state 'ideal_fixed' is {v.ToString(CultureInfo.InvariantCulture)}; it must be 0 or 1.", nameof(stateDict)),
        };
        double[]? ideal = null;
        if (fixedIdeal)
        {
            ideal = [.. names.Select(n => reader.Value($"ideal.{n}", double.NaN))];
            if (ideal.Any(v => v <= 0))
                throw new ArgumentException("STCH state has a non-positive ideal loss; the snapshot is damaged.", nameof(stateDict));
        }
        else if (names.Any(n => stateDict.Values.ContainsKey($"ideal.{n}")))
        {
            throw new ArgumentException("STCH state has ideal losses but no 'ideal_fixed'; the snapshot is damaged.", nameof(stateDict));
        }
        (_sums, _counts, _ideal) = (sums, counts, ideal);
    }

    private static InvalidOperationException NotInitialized() =>
        new("Stch is not initialised; call Initialize(context) before using its state.");
}
