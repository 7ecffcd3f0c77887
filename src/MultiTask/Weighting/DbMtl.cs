using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Dual-Balancing Multi-Task Learning (DB-MTL): balances the losses' scales with a logarithm and the gradients'
/// magnitudes by scaling every task's gradient up to the largest one.
/// </summary>
/// <remarks>
/// <para>
/// Lin, Jiang, Ye, Zhang, Chen, Chen, Liu and Kwok, "Dual-Balancing for Multi-Task Learning", arXiv:2308.12029,
/// 2023, Algorithm 1. Loss-scale balancing: each task is trained on log(Lᵢ + ε) (ε = 10⁻⁸), whose gradient
/// ∇Lᵢ/Lᵢ no longer depends on the loss's units. Gradient-magnitude balancing: with gᵢ the gradient of log(Lᵢ + ε)
/// on the shared parameters at step k (counting from 1), each task keeps an exponential moving average
/// </para>
/// <para>ĝᵢ ← gᵢ + (β/k^σ)·(ĝᵢ − gᵢ) (starting from 0),</para>
/// <para>
/// and the shared parameters get Σᵢ αᵢ·ĝᵢ with αᵢ = maxⱼ ‖ĝⱼ‖ / (‖ĝᵢ‖ + 10⁻⁸): every task's gradient is scaled to the
/// largest norm, so none is drowned by another. Task-specific parameters get their ordinary gradients of
/// log(Lᵢ + ε). The reported weights are the αᵢ; the objective reported is Σᵢ log(Lᵢ + ε).
/// </para>
/// <para>
/// It is a gradient-space method: one backward pass per task through the shared part. Absent tasks keep their
/// average unchanged and are left out of the maximum and the sum. The state dict holds the step count and the
/// averages (one vector of the shared parameters' size per task), so a resumed run continues exactly. Defaults
/// β = 0.9 and σ = 0 are those of the authors' LibMTL (<c>DB_beta</c>, <c>DB_beta_sigma</c>). Every loss must be
/// non-negative. Use it when both the losses' units and their gradients' sizes differ between tasks.
/// </para>
/// <para>
/// It needs many rows of every task in every batch: the log of a loss averaged over one or two rows is unbounded
/// below, and minimising it fits a few rows exactly at the expense of the others. On short runs the averages also
/// lag the current gradients (β = 0.9: about ten steps); β = 0 removes the lag. Both are measured in
/// docs/weighting.md (samples/WeightingComparison).
/// </para>
/// </remarks>
public sealed class DbMtl : LossWeighting
{
    private const float LogEpsilon = 1e-8f;
    private float[][]? _averages;
    private long _steps;

    /// <summary>Creates the strategy.</summary>
    /// <param name="beta">The moving average's factor β, in [0, 1).</param>
    /// <param name="betaSigma">The decay σ (≥ 0) of the factor over steps: β/k^σ at step k.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range or not finite.</exception>
    public DbMtl(double beta = 0.9, double betaSigma = 0.0)
    {
        if (!(beta >= 0 && beta < 1))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "DB-MTL's beta must be in [0, 1) (the paper's code uses 0.9).");
        if (!double.IsFinite(betaSigma) || betaSigma < 0)
            throw new ArgumentOutOfRangeException(nameof(betaSigma), betaSigma, "DB-MTL's beta sigma must be non-negative and finite.");
        Beta = beta;
        BetaSigma = betaSigma;
    }

    /// <summary>The moving average's factor β.</summary>
    public double Beta { get; }

    /// <summary>The decay σ of the factor over steps.</summary>
    public double BetaSigma { get; }

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context)
    {
        if (context.SharedNumel == 0)
            throw new ArgumentException(
                "DB-MTL balances the tasks' gradients on the shared parameters, but the weighting context has none; pass the model's shared parameters to WeightingContext.",
                nameof(context));
        _averages = [.. Enumerable.Range(0, context.TaskCount).Select(_ => new float[context.SharedNumel])];
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A loss is negative.</exception>
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        int k = taskLosses.Count;
        var logLosses = new Tensor?[k];
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            if (loss.Item() < 0)
                throw new ArgumentException(
                    $"DB-MTL takes the logarithm of every loss, but task '{context.TaskNames[i]}' has loss {loss.Item()} at step {context.Step}; use it only with non-negative losses.",
                    nameof(taskLosses));
            logLosses[i] = (loss + LogEpsilon).Log();
        }
        var grads = TaskGradients(logLosses, context);
        _steps++;
        double factor = Beta / Math.Pow(_steps, BetaSigma);
        var norms = new double[k];
        double largest = 0;
        for (int i = 0; i < k; i++)
        {
            if (grads[i] is not { } g) continue;
            var average = _averages![i];
            for (int j = 0; j < g.Length; j++) average[j] = (float)(g[j] + factor * (average[j] - g[j]));
            norms[i] = Math.Sqrt(GradientVectors.SquaredNorm(average));
            largest = Math.Max(largest, norms[i]);
        }
        var combined = new float[context.SharedNumel];
        var weights = new double[k];
        for (int i = 0; i < k; i++)
        {
            if (grads[i] is null) continue;
            weights[i] = largest / (norms[i] + 1e-8);
            GradientVectors.AddScaled(combined, weights[i], _averages![i]);
        }
        double objective = BackwardWithSharedGradient(logLosses, combined, context);
        return new WeightingResult(weights, objective);
    }

    /// <summary>Snapshots the step count (<c>steps</c>) and the per-task averages (<c>gradient_averages</c>, tasks × shared elements).</summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public override WeightingStateDict StateDict()
    {
        var averages = _averages ?? throw NotInitialized();
        var sd = new WeightingStateDict();
        sd.Tensors["gradient_averages"] = Tensor.FromArray(averages.SelectMany(a => a).ToArray(), averages.Length, averages[0].Length);
        sd.Values["steps"] = _steps;
        return sd;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var averages = _averages ?? throw NotInitialized();
        var reader = new StateReader(stateDict, nameof(DbMtl), ["gradient_averages"], key => key == "steps");
        int n = averages[0].Length;
        var flat = reader.Tensor("gradient_averages", averages.Length, n);
        long steps = reader.Count("steps", long.MaxValue / 2);
        for (int i = 0; i < averages.Length; i++) flat.AsSpan(i * n, n).CopyTo(averages[i]);
        _steps = steps;
    }

    private static InvalidOperationException NotInitialized() =>
        new("DbMtl is not initialised; call Initialize(context) before using its state.");
}
