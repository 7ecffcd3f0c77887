using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// Fast Adaptive Multitask Optimization (FAMO): learned task logits, moved after each step towards the tasks
/// whose log-loss decreased least, so that all losses fall at a similar rate — for the price of one backward pass.
/// </summary>
/// <remarks>
/// <para>
/// Liu, Feng, Stone and Liu, "FAMO: Fast Adaptive Multitask Optimization", NeurIPS 2023, Algorithm 1. The task
/// logits ξ (initialised to 0) give weights zᵢ = softmax(ξ)ᵢ, and with Dᵢ = Lᵢ + ε (ε = 10⁻⁸; the paper's minimum
/// losses are 0) the model is trained on
/// </para>
/// <para>L = Σᵢ zᵢ·log Dᵢ / c, c = Σᵢ zᵢ/Dᵢ (a constant),</para>
/// <para>
/// whose gradient is Σᵢ (zᵢ/(c·Dᵢ))·∂Lᵢ/∂θ: the reported weight of task i is zᵢ/(c·Dᵢ), and the step decreases every
/// log-loss at the same rate to first order. The logits then learn from the observed decrease
/// δᵢ = log Dᵢ(before) − log Dᵢ(after): their gradient is Jᵀδ, J the softmax's Jacobian
/// (∂/∂ξⱼ = zⱼ·(δⱼ − Σᵢ zᵢδᵢ)), applied by the paper's own Adam (β = (0.9, 0.999), ε = 10⁻⁸) with learning rate
/// <see cref="LearningRate"/> and L2 weight decay γ = <see cref="WeightDecay"/> (defaults 0.025 and 0.001, those of
/// the paper's code as ported to LibMTL), so a task whose loss fell most loses weight.
/// </para>
/// <para>
/// The paper measures "after" by re-evaluating the same batch after the optimizer step, one extra forward pass.
/// Here the update is made at the start of the next step from the loss of the next batch (the loss before is the
/// previous batch's): no extra forward pass and no coupling to the model, at the cost of batch-to-batch noise in δ,
/// which the small learning rate and Adam's averaging smooth. A task absent from either batch has δᵢ = 0, and
/// absent tasks are left out of the objective and of c. The logits are not in <see cref="LossWeighting.Parameters"/>:
/// FAMO trains them with its own optimizer, not the model's. The state dict holds the logits, Adam's moments and
/// step count and the previous losses, so a resumed run continues exactly.
/// </para>
/// <para>
/// Use it when tasks train at different speeds and per-task gradients (MGDA, PCGrad) are too expensive. Every loss
/// must be non-negative (it takes log Lᵢ).
/// </para>
/// </remarks>
public sealed class Famo : LossWeighting
{
    private const double Epsilon = 1e-8;
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double AdamEpsilon = 1e-8;
    private float[]? _logits;
    private float[]? _m;
    private float[]? _v;
    private long _adamSteps;
    private float[]? _previous;
    private bool[]? _hasPrevious;

    /// <summary>Creates the strategy.</summary>
    /// <param name="learningRate">The logits' learning rate β (&gt; 0).</param>
    /// <param name="weightDecay">The logits' L2 weight decay γ (≥ 0), which pulls the weights back towards equal.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range or not finite.</exception>
    public Famo(double learningRate = 0.025, double weightDecay = 1e-3)
    {
        if (!double.IsFinite(learningRate) || learningRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "FAMO's learning rate must be positive and finite (the paper uses 0.025).");
        if (!double.IsFinite(weightDecay) || weightDecay < 0)
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "FAMO's weight decay must be non-negative and finite (the paper's code uses 0.001).");
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>The logits' learning rate β.</summary>
    public double LearningRate { get; }

    /// <summary>The logits' L2 weight decay γ.</summary>
    public double WeightDecay { get; }

    /// <summary>The task logits ξ (a copy; available after initialisation).</summary>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public IReadOnlyList<float> Logits => (float[])(_logits ?? throw NotInitialized()).Clone();

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context)
    {
        int k = context.TaskCount;
        (_logits, _m, _v, _previous, _hasPrevious) = (new float[k], new float[k], new float[k], new float[k], new bool[k]);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A loss is negative.</exception>
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        int k = taskLosses.Count;
        var values = new double[k];
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            values[i] = loss.Item();
            if (values[i] < 0)
                throw new ArgumentException(
                    $"FAMO takes the logarithm of every loss, but task '{context.TaskNames[i]}' has loss {values[i]} at step {context.Step}; use it only with non-negative losses.",
                    nameof(taskLosses));
        }
        if (Array.Exists(_hasPrevious!, h => h)) UpdateLogits(taskLosses, values);

        var z = Softmax(_logits!);
        double c = 0;
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is not null) c += z[i] / (values[i] + Epsilon);
        }
        Tensor? objective = null;
        var weights = new double[k];
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            var term = (loss + (float)Epsilon).Log() * (float)(z[i] / c);
            objective = objective is null ? term : objective + term;
            weights[i] = z[i] / (c * (values[i] + Epsilon));
            _previous![i] = (float)values[i];
        }
        for (int i = 0; i < k; i++) _hasPrevious![i] = taskLosses[i] is not null;
        return new WeightingResult(weights, BackwardObjective(objective, context));
    }

    private void UpdateLogits(IReadOnlyList<Tensor?> taskLosses, double[] values)
    {
        int k = values.Length;
        var delta = new double[k];
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is not null && _hasPrevious![i])
                delta[i] = Math.Log(_previous![i] + Epsilon) - Math.Log(values[i] + Epsilon);
        }
        var z = Softmax(_logits!);
        double mean = 0;
        for (int i = 0; i < k; i++) mean += z[i] * delta[i];
        _adamSteps++;
        double correction1 = 1 - Math.Pow(Beta1, _adamSteps), correction2 = 1 - Math.Pow(Beta2, _adamSteps);
        for (int j = 0; j < k; j++)
        {
            // Jᵀδ of the softmax, plus the L2 term of PyTorch's Adam weight_decay.
            double g = z[j] * (delta[j] - mean) + WeightDecay * _logits![j];
            double m = Beta1 * _m![j] + (1 - Beta1) * g;
            double v = Beta2 * _v![j] + (1 - Beta2) * g * g;
            _m[j] = (float)m;
            _v[j] = (float)v;
            _logits[j] = (float)(_logits[j] - LearningRate * (m / correction1) / (Math.Sqrt(v / correction2) + AdamEpsilon));
        }
    }

    private static double[] Softmax(float[] logits)
    {
        double max = logits.Max();
        var z = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < z.Length; i++) sum += z[i] = Math.Exp(logits[i] - max);
        for (int i = 0; i < z.Length; i++) z[i] /= sum;
        return z;
    }

    /// <summary>
    /// Snapshots the logits (<c>logits</c>), Adam's moments (<c>adam_m</c>, <c>adam_v</c>) and step count
    /// (<c>adam_steps</c>), and the previous step's losses (<c>previous_losses</c>, with <c>previous_present</c> 1
    /// where the task had one).
    /// </summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public override WeightingStateDict StateDict()
    {
        var logits = _logits ?? throw NotInitialized();
        var sd = new WeightingStateDict();
        sd.Tensors["logits"] = Tensor.FromArray(logits, logits.Length);
        sd.Tensors["adam_m"] = Tensor.FromArray(_m!, logits.Length);
        sd.Tensors["adam_v"] = Tensor.FromArray(_v!, logits.Length);
        sd.Tensors["previous_losses"] = Tensor.FromArray(_previous!, logits.Length);
        sd.Tensors["previous_present"] = Tensor.FromArray(_hasPrevious!.Select(h => h ? 1f : 0f).ToArray(), logits.Length);
        sd.Values["adam_steps"] = _adamSteps;
        return sd;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        int k = (_logits ?? throw NotInitialized()).Length;
        var reader = new StateReader(stateDict, nameof(Famo), ["logits", "adam_m", "adam_v", "previous_losses", "previous_present"], key => key == "adam_steps");
        var logits = reader.Tensor("logits", k);
        var m = reader.Tensor("adam_m", k);
        var v = reader.Tensor("adam_v", k);
        var previous = reader.Tensor("previous_losses", k);
        var present = reader.Tensor("previous_present", k);
        long steps = reader.Count("adam_steps", long.MaxValue / 2);
        if (Array.Exists(v, x => x < 0) || Array.Exists(previous, x => x < 0) || Array.Exists(present, x => x is not (0f or 1f)))
            throw new ArgumentException("The FAMO snapshot has a negative second moment or loss, or a presence flag other than 0 or 1; the snapshot is damaged.", nameof(stateDict));
        (_logits, _m, _v, _previous, _adamSteps) = (logits, m, v, previous, steps);
        _hasPrevious = [.. present.Select(p => p == 1f)];
    }

    private static InvalidOperationException NotInitialized() =>
        new("Famo is not initialised; call Initialize(context) before using its logits or state.");
}
