using System.Globalization;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Weighting;

/// <summary>
/// MoCo (Multi-objective gradient with Correction): MGDA-like weights computed on running averages of the task
/// gradients, which removes the bias that noisy minibatch gradients give the min-norm direction.
/// </summary>
/// <remarks>
/// <para>
/// Fernando, Shen, Liu, Chaudhury, Murugesan and Chen, "Mitigating Gradient Bias in Multi-objective Learning:
/// A Provably Convergent Approach", ICLR 2023, Algorithm 1. At step t (from 1) with task gradients gᵢ on the
/// shared parameters: the tracked gradients move towards them, yᵢ ← yᵢ − βₜ(yᵢ − gᵢ); the weights take one
/// projected gradient step on ½λᵀ(YᵀY + ρI)λ, λ ← Π_Δ(λ − γₜ(YᵀY + ρI)λ); the shared parameters get Σᵢ λᵢyᵢ.
/// Step sizes βₜ = β/t^βσ and γₜ = γ/t^γσ, with LibMTL's defaults β = 0.5, βσ = 0.5, γ = 0.1, γσ = 0.5, ρ = 0;
/// yᵢ start at 0 and λ at 1/T. (LibMTL replaces the projection by a softmax and rescales each gᵢ to the norm of
/// its loss; this is the paper's algorithm.) Because the update moves on the raw gradients, γ should suit
/// their squared scale.
/// </para>
/// <para>
/// When a task is absent from a batch its tracked gradient and weight stay as they are and the present tasks'
/// weights are updated on the simplex of their own total, so the step equals the same batch without that task.
/// The tracked gradients (a T×n tensor), the weights and the step count are per-run state, saved by
/// <see cref="StateDict"/> so a resumed run continues exactly. Task-specific parameters get their ordinary
/// gradients; the reported weights are the λᵢ normalised over the present tasks.
/// </para>
/// <para>
/// The tracked gradients lag the current ones by about 1/βₜ steps (some 40 steps after 360 steps with the
/// defaults), on top of the optimizer's own momentum. On short runs of small tables that costs more than the bias
/// it removes; β = 1 with βσ = 0 (no tracking) is measured against the defaults in docs/weighting.md.
/// </para>
/// </remarks>
public sealed class MoCo : LossWeighting
{
    private float[][]? _tracked;
    private double[]? _lambda;
    private long _step;

    /// <summary>Creates the strategy.</summary>
    /// <param name="beta">The tracking rate's scale β, in (0, 1].</param>
    /// <param name="betaDecay">The tracking rate's decay exponent βσ ≥ 0.</param>
    /// <param name="gamma">The weight step's scale γ &gt; 0.</param>
    /// <param name="gammaDecay">The weight step's decay exponent γσ ≥ 0.</param>
    /// <param name="rho">The regularisation ρ ≥ 0 of the weights' objective.</param>
    public MoCo(double beta = 0.5, double betaDecay = 0.5, double gamma = 0.1, double gammaDecay = 0.5, double rho = 0)
    {
        if (!(beta > 0 && beta <= 1)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be in (0, 1].");
        if (!(betaDecay >= 0) || !double.IsFinite(betaDecay)) throw new ArgumentOutOfRangeException(nameof(betaDecay), betaDecay, "betaDecay must be finite and non-negative.");
        if (!(gamma > 0) || !double.IsFinite(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be positive and finite.");
        if (!(gammaDecay >= 0) || !double.IsFinite(gammaDecay)) throw new ArgumentOutOfRangeException(nameof(gammaDecay), gammaDecay, "gammaDecay must be finite and non-negative.");
        if (!(rho >= 0) || !double.IsFinite(rho)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be finite and non-negative.");
        Beta = beta;
        BetaDecay = betaDecay;
        Gamma = gamma;
        GammaDecay = gammaDecay;
        Rho = rho;
    }

    /// <summary>The tracking rate's scale β.</summary>
    public double Beta { get; }

    /// <summary>The tracking rate's decay exponent βσ.</summary>
    public double BetaDecay { get; }

    /// <summary>The weight step's scale γ.</summary>
    public double Gamma { get; }

    /// <summary>The weight step's decay exponent γσ.</summary>
    public double GammaDecay { get; }

    /// <summary>The regularisation ρ.</summary>
    public double Rho { get; }

    /// <summary>The steps taken so far (saved in checkpoints).</summary>
    public long Steps => _step;

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context)
    {
        if (_tracked is null)
        {
            _tracked = [.. Enumerable.Range(0, context.TaskCount).Select(_ => new float[context.SharedNumel])];
            _lambda = [.. Enumerable.Repeat(1.0 / context.TaskCount, context.TaskCount)];
        }
        else if (_tracked.Length != context.TaskCount || _tracked[0].Length != context.SharedNumel)
        {
            throw new ArgumentException(
                $"MoCo's loaded state tracks {_tracked.Length} tasks × {_tracked[0].Length} shared values but the context has {context.TaskCount} tasks ({context.KnownTasks()}) × {context.SharedNumel}.", nameof(context));
        }
    }

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var tracked = _tracked!;
        var lambda = _lambda!;
        var grads = TaskGradients(taskLosses, context);
        _step++;
        double beta = Beta / Math.Pow(_step, BetaDecay), gamma = Gamma / Math.Pow(_step, GammaDecay);
        var present = Enumerable.Range(0, grads.Length).Where(i => grads[i] is not null).ToArray();
        foreach (int i in present)
        {
            var y = tracked[i];
            var g = grads[i]!;
            for (int k = 0; k < y.Length; k++) y[k] = (float)(y[k] - beta * (y[k] - g[k]));
        }
        var gram = GramMatrix.Of([.. present.Select(i => tracked[i])]);
        var sub = present.Select(i => lambda[i]).ToArray();
        double mass = sub.Sum();
        if (!(mass > 0))
        {
            // Every present task's weight reached 0 while others were absent: restart them evenly.
            mass = 1.0 / lambda.Length * present.Length;
            Array.Fill(sub, mass / present.Length);
        }
        var gradient = GramMatrix.Multiply(gram, sub);
        var moved = new double[sub.Length];
        for (int a = 0; a < sub.Length; a++) moved[a] = sub[a] - gamma * (gradient[a] + Rho * sub[a]);
        for (int a = 0; a < moved.Length; a++)
        {
            // Non-finite gradients make non-finite weights: a divergence, reported like a non-finite loss.
            if (!double.IsFinite(moved[a]))
                throw new Training.TrainingDivergedException($"the weight MoCo computed for task '{context.TaskNames[present[a]]}'",
                    context.TaskNames[present[a]], moved[a], context.Epoch, context.Step);
        }
        var projected = Simplex.Project(moved, mass);
        var weights = new double[grads.Length];
        var shared = new float[context.SharedNumel];
        for (int a = 0; a < present.Length; a++)
        {
            lambda[present[a]] = projected[a];
            weights[present[a]] = projected[a] / mass;
            GradientVectors.AddScaled(shared, projected[a] / mass, tracked[present[a]]);
        }
        double objective = BackwardWithSharedGradient(taskLosses, shared, context);
        return new WeightingResult(weights, objective);
    }

    /// <summary>Snapshots the tracked gradients (<c>tracked</c>, T×n), the weights (<c>lambda.i</c>) and the step count (<c>step</c>).</summary>
    /// <returns>The snapshot.</returns>
    public override WeightingStateDict StateDict()
    {
        var sd = new WeightingStateDict();
        sd.Values["step"] = _step;
        if (_tracked is { } tracked && _lambda is { } lambda)
        {
            int n = tracked[0].Length;
            var flat = new float[tracked.Length * n];
            for (int i = 0; i < tracked.Length; i++) tracked[i].CopyTo(flat, i * n);
            sd.Tensors["tracked"] = Tensor.FromArray(flat, tracked.Length, n);
            for (int i = 0; i < lambda.Length; i++) sd.Values[LambdaKey(i)] = lambda[i];
        }
        return sd;
    }

    /// <summary>Restores the tracked gradients, the weights and the step count.</summary>
    /// <param name="stateDict">A snapshot from <see cref="StateDict"/>.</param>
    /// <exception cref="ArgumentException">The snapshot is not a MoCo snapshot, or does not fit this run.</exception>
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (!stateDict.Values.TryGetValue("step", out var step) || !(step >= 0 && step <= long.MaxValue) || step != Math.Floor(step))
            throw new ArgumentException("A MoCo snapshot holds a whole, non-negative 'step'; pass a snapshot from MoCo.StateDict().", nameof(stateDict));
        if (!stateDict.Tensors.TryGetValue("tracked", out var trackedTensor) || trackedTensor.Rank != 2 || stateDict.Tensors.Count != 1)
            throw new ArgumentException("A MoCo snapshot holds exactly one tensor, 'tracked', of shape [tasks, shared values].", nameof(stateDict));
        int tasks = trackedTensor.Shape[0], n = trackedTensor.Shape[1];
        if (stateDict.Values.Count != tasks + 1)
            throw new ArgumentException($"A MoCo snapshot for {tasks} tasks holds 'step' and 'lambda.0' … 'lambda.{tasks - 1}', but this one has {stateDict.Values.Count} values.", nameof(stateDict));
        var lambda = new double[tasks];
        for (int i = 0; i < tasks; i++)
        {
            if (!stateDict.Values.TryGetValue(LambdaKey(i), out var l) || !(l >= 0 && l <= 1))
                throw new ArgumentException($"The MoCo snapshot lacks '{LambdaKey(i)}' or it is not a weight in [0, 1].", nameof(stateDict));
            lambda[i] = l;
        }
        var values = trackedTensor.ToArray();
        if (values.Any(v => !float.IsFinite(v)))
            throw new ArgumentException("The MoCo snapshot's tracked gradients hold a non-finite value; the snapshot is damaged.", nameof(stateDict));
        if (IsInitialized && (tasks != TaskNames!.Count || (_tracked is { } current && current[0].Length != n)))
            throw new ArgumentException($"The MoCo snapshot tracks {tasks} tasks × {n} shared values, which does not fit this run.", nameof(stateDict));
        _tracked = [.. Enumerable.Range(0, tasks).Select(i => values.AsSpan(i * n, n).ToArray())];
        _lambda = lambda;
        _step = (long)step;
    }

    private static string LambdaKey(int i) => string.Create(CultureInfo.InvariantCulture, $"lambda.{i}");
}
