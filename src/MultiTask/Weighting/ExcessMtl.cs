using System.Globalization;
using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// ExcessMTL: weights tasks by their estimated excess risk — how far each still is from its own best loss — rather
/// than by the loss itself, so a task with high but irreducible (noisy) loss is not favoured.
/// </summary>
/// <remarks>
/// <para>
/// He, Zhou, Zhang, Yun, Xu, Zeng, Chilimbi and Zhao, "Robust Multi-Task Learning with Excess Risks", ICML 2024,
/// Algorithm 1, in its practical form (as in the authors' code). The excess risk of task i is estimated by a second
/// order expansion, ½·gᵢᵀHᵢ⁻¹gᵢ with gᵢ the task's gradient on the shared parameters; the paper approximates the
/// Hessian by the diagonal AdaGrad accumulator of the task's squared gradients, which is what is done here:
/// </para>
/// <list type="bullet">
/// <item>Gᵢ ← Gᵢ + gᵢ⊙gᵢ (element-wise, from 0), and eᵢ = Σⱼ gᵢⱼ² / √(Gᵢⱼ + 10⁻⁷);</item>
/// <item>the first eᵢ of each task is kept as eᵢ(0), and later ones are normalised, rᵢ = eᵢ/eᵢ(0);</item>
/// <item>the weights follow exponentiated gradient ascent, wᵢ ← wᵢ·exp(η·rᵢ), then are rescaled to sum to the
/// number of tasks K (starting from wᵢ = 1; a task seen for the first time is not updated at that step).</item>
/// </list>
/// <para>
/// The model is trained on L = Σᵢ wᵢ·Lᵢ, and the reported weights are the wᵢ. A task absent from the batch keeps its
/// accumulator and is not updated (rᵢ = 0), though the rescaling moves it with the others. It costs one backward pass
/// per task through the shared part. The state dict holds the weights, the accumulators (one vector of the shared
/// parameters' size per task) and eᵢ(0), so a resumed run continues exactly. The step size η defaults to 0.01, the
/// authors' <c>robust_step_size</c>.
/// </para>
/// <para>
/// Use it when some tasks are noisy (label noise, irreducible error): loss- or gradient-driven strategies turn those
/// up, while their excess risk, and so their weight, stays small.
/// </para>
/// </remarks>
public sealed class ExcessMtl : LossWeighting
{
    private double[]? _weights;
    private float[][]? _squaredSums;
    private double[]? _initial;

    /// <summary>Creates the strategy.</summary>
    /// <param name="stepSize">The step size η (&gt; 0) of the exponentiated weight update.</param>
    /// <exception cref="ArgumentOutOfRangeException">The step size is not positive and finite.</exception>
    public ExcessMtl(double stepSize = 1e-2)
    {
        if (!double.IsFinite(stepSize) || stepSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "ExcessMTL's step size must be positive and finite (the paper's code uses 0.01).");
        StepSize = stepSize;
    }

    /// <summary>The step size η.</summary>
    public double StepSize { get; }

    /// <summary>The current task weights wᵢ (a copy; available after initialisation).</summary>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public IReadOnlyList<double> TaskWeights => (double[])(_weights ?? throw NotInitialized()).Clone();

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context)
    {
        if (context.SharedNumel == 0)
            throw new ArgumentException(
                "ExcessMTL estimates each task's excess risk from its gradient on the shared parameters, but the weighting context has none; pass the model's shared parameters to WeightingContext.",
                nameof(context));
        _weights = [.. Enumerable.Repeat(1.0, context.TaskCount)];
        _squaredSums = [.. Enumerable.Range(0, context.TaskCount).Select(_ => new float[context.SharedNumel])];
        _initial = [.. Enumerable.Repeat(double.NaN, context.TaskCount)];
    }

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        int k = taskLosses.Count;
        var grads = TaskGradients(taskLosses, context);
        var ratios = new double[k];
        bool update = false;
        for (int i = 0; i < k; i++)
        {
            if (grads[i] is not { } g) continue;
            var sums = _squaredSums![i];
            double excess = 0;
            for (int j = 0; j < g.Length; j++)
            {
                sums[j] += g[j] * g[j];
                excess += (double)g[j] * g[j] / Math.Sqrt(sums[j] + 1e-7);
            }
            if (double.IsNaN(_initial![i]))
            {
                _initial[i] = excess;
                continue;
            }
            ratios[i] = _initial[i] > 0 ? excess / _initial[i] : 0;
            update = true;
        }
        if (update)
        {
            double total = 0;
            for (int i = 0; i < k; i++) total += _weights![i] *= Math.Exp(StepSize * ratios[i]);
            for (int i = 0; i < k; i++) _weights![i] = _weights[i] / total * k;
        }
        var weights = (double[])_weights!.Clone();
        return new WeightingResult(weights, BackwardObjective(WeightedSum(taskLosses, weights), context));
    }

    /// <summary>
    /// Snapshots the weights (<c>weight.{task}</c>), each task's first excess-risk estimate once seen
    /// (<c>initial_excess.{task}</c>) and the accumulators (<c>squared_gradient_sums</c>, tasks × shared elements).
    /// </summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public override WeightingStateDict StateDict()
    {
        var names = TaskNames ?? throw NotInitialized();
        var sd = new WeightingStateDict();
        sd.Tensors["squared_gradient_sums"] = Tensor.FromArray(_squaredSums!.SelectMany(a => a).ToArray(), names.Count, _squaredSums![0].Length);
        for (int i = 0; i < names.Count; i++)
        {
            sd.Values[$"weight.{names[i]}"] = _weights![i];
            if (!double.IsNaN(_initial![i])) sd.Values[$"initial_excess.{names[i]}"] = _initial[i];
        }
        return sd;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var names = TaskNames ?? throw NotInitialized();
        var keys = names.SelectMany(n => new[] { $"weight.{n}", $"initial_excess.{n}" }).ToHashSet(StringComparer.Ordinal);
        var reader = new StateReader(stateDict, nameof(ExcessMtl), ["squared_gradient_sums"], keys.Contains);
        int n = _squaredSums![0].Length;
        var flat = reader.Tensor("squared_gradient_sums", names.Count, n);
        var weights = names.Select(t => reader.Value($"weight.{t}")).ToArray();
        var initial = names.Select(t => reader.Value($"initial_excess.{t}", double.NaN)).ToArray();
        if (weights.Any(w => w <= 0) || initial.Any(e => e < 0) || Array.Exists(flat, v => v < 0))
            throw new ArgumentException(
                $"The ExcessMTL snapshot has a non-positive weight or a negative estimate or sum (weights {string.Join(", ", weights.Select(w => w.ToString(CultureInfo.InvariantCulture)))}); the snapshot is damaged.",
                nameof(stateDict));
        for (int i = 0; i < names.Count; i++) flat.AsSpan(i * n, n).CopyTo(_squaredSums[i]);
        (_weights, _initial) = (weights, initial);
    }

    private static InvalidOperationException NotInitialized() =>
        new("ExcessMtl is not initialised; call Initialize(context) before using its state.");
}
