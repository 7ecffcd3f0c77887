using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Weighting;

/// <summary>
/// GradNorm: learns task weights so that every task's gradient on the last shared layer has a norm
/// proportional to how far behind that task's training is.
/// </summary>
/// <remarks>
/// <para>
/// Chen, Badrinarayanan, Lee and Rabinovich, "GradNorm: Gradient Normalization for Adaptive Loss
/// Balancing in Deep Multitask Networks", ICML 2018, §3. With learnable weights wᵢ (initialised to 1)
/// and W the last shared layer (<see cref="WeightingContext.LastSharedParameters"/>), over the tasks
/// present in the batch:
/// </para>
/// <list type="bullet">
/// <item>Gᵢ = ‖∇_W (wᵢ·Lᵢ)‖₂ = wᵢ·‖∇_W Lᵢ‖₂, and Ḡ = meanᵢ Gᵢ;</item>
/// <item>L̃ᵢ = Lᵢ(t)/Lᵢ(0) with Lᵢ(0) the task's first loss (<see cref="WeightingContext.InitialLosses"/>),
/// and rᵢ = L̃ᵢ / meanⱼ L̃ⱼ, the relative inverse training rate;</item>
/// <item>L_grad = Σᵢ |Gᵢ − Ḡ·rᵢ^α|, with the target Ḡ·rᵢ^α held constant.</item>
/// </list>
/// <para>
/// The model's parameters get the gradient of Σᵢ wᵢ·Lᵢ (the weights as constants); the weights get
/// ∂L_grad/∂wᵢ = sign(Gᵢ − Ḡ·rᵢ^α)·‖∇_W Lᵢ‖₂ only. Because wᵢ is a scalar outside the network,
/// ∇_W(wᵢLᵢ) = wᵢ∇_W Lᵢ exactly, so this closed form equals differentiating L_grad through a
/// second-order graph (<c>createGraph: true</c>) at the cost of one first-order gradient per task.
/// After each optimizer step (<see cref="LossWeighting.AfterOptimizerStep"/>) the weights are clamped
/// to at least <see cref="MinWeight"/>, keeping them positive, and rescaled so that Σᵢ wᵢ = K, the
/// number of tasks. If a task's first loss was 0, its L̃ᵢ is taken as 1.
/// </para>
/// <para>
/// Use it when tasks train at visibly different speeds; α sets how hard the slow tasks are pushed
/// (the paper uses 0.12 to 3; 1.5 is a common default). It costs one extra backward pass per task
/// through the last shared layer.
/// </para>
/// </remarks>
public sealed class GradNorm : LossWeighting
{
    private Parameter? _weights;

    /// <summary>Creates the strategy.</summary>
    /// <param name="alpha">The asymmetry α (≥ 0): 0 pushes all gradient norms to the mean.</param>
    /// <param name="minWeight">The smallest weight kept after an optimizer step (&gt; 0), so the weights stay positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">α is negative or not finite, or the minimum weight is not positive.</exception>
    public GradNorm(double alpha = 1.5, double minWeight = 1e-4)
    {
        if (!double.IsFinite(alpha) || alpha < 0)
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "GradNorm's alpha must be finite and non-negative (1.5 is a common choice).");
        if (!double.IsFinite(minWeight) || minWeight <= 0)
            throw new ArgumentOutOfRangeException(nameof(minWeight), minWeight, "GradNorm's minimum weight must be positive and finite.");
        Alpha = alpha;
        MinWeight = minWeight;
    }

    /// <summary>The asymmetry α.</summary>
    public double Alpha { get; }

    /// <summary>The smallest weight kept after an optimizer step.</summary>
    public double MinWeight { get; }

    /// <summary>The learned task weights wᵢ (available after initialisation).</summary>
    /// <exception cref="InvalidOperationException">The strategy is not initialised.</exception>
    public Parameter TaskWeights => _weights ?? throw new InvalidOperationException(
        "GradNorm is not initialised; call Initialize(context) before using its parameters or state.");

    /// <inheritdoc />
    protected override void OnInitialize(WeightingContext context)
    {
        if (!context.LastSharedParameters.Any(p => p.RequiresGrad))
            throw new ArgumentException(
                "GradNorm measures gradient norms on the last shared layer, but the weighting context has no trainable last shared parameters; " +
                "pass the model's shared parameters (and its last shared layer's parameters) to WeightingContext.",
                nameof(context));
        _weights = new Parameter(Tensor.Ones(context.TaskCount));
    }

    /// <inheritdoc />
    public override IEnumerable<Parameter> Parameters() => [TaskWeights];

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var w = TaskWeights;
        int k = taskLosses.Count;
        var weights = new double[k];
        for (int i = 0; i < k; i++) weights[i] = w.AsSpan()[i];

        var last = context.LastSharedParameters.Where(p => p.RequiresGrad).Cast<Tensor>().ToList();
        var norms = new double[k];
        var gradNorms = new double[k];
        var trainingRates = new double[k];
        double meanG = 0, meanRate = 0;
        int present = 0;
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            double squared = 0;
            foreach (var g in Autograd.Grad([loss], last, retainGraph: true, allowUnused: true))
            {
                if (g is not null) squared += GradientVectors.SquaredNorm(g.AsSpan());
            }
            norms[i] = Math.Sqrt(squared);
            gradNorms[i] = weights[i] * norms[i];
            double initial = context.InitialLosses[i] ?? 0;
            trainingRates[i] = initial > 0 ? loss.Item() / initial : 1.0;
            meanG += gradNorms[i];
            meanRate += trainingRates[i];
            present++;
        }
        meanG /= present;
        meanRate /= present;

        double gradLoss = 0;
        var weightGrad = new float[k];
        for (int i = 0; i < k; i++)
        {
            if (taskLosses[i] is null) continue;
            double target = meanG * Math.Pow(trainingRates[i] / meanRate, Alpha);
            double diff = gradNorms[i] - target;
            gradLoss += Math.Abs(diff);
            weightGrad[i] = (float)(Math.Sign(diff) * norms[i]);
        }
        if (w.Grad is null) w.Grad = Tensor.FromArray(weightGrad, k);
        else GradientVectors.Add(w.Grad.AsSpan(), weightGrad);

        double objective = BackwardObjective(WeightedSum(taskLosses, weights), context);
        return new WeightingResult(weights, objective, new Dictionary<string, double> { ["grad_loss"] = gradLoss });
    }

    /// <summary>Clamps the weights to at least <see cref="MinWeight"/> and rescales them to sum to the number of tasks.</summary>
    /// <param name="context">The training run's context.</param>
    public override void AfterOptimizerStep(WeightingContext context)
    {
        var span = TaskWeights.AsSpan();
        double sum = 0;
        for (int i = 0; i < span.Length; i++)
        {
            if (!float.IsFinite(span[i]))
                throw new InvalidOperationException(
                    $"GradNorm's weight of task '{TaskNames![i]}' became {span[i]} after the optimizer step; lower the learning rate.");
            span[i] = (float)Math.Max(span[i], MinWeight);
            sum += span[i];
        }
        for (int i = 0; i < span.Length; i++) span[i] = (float)(span[i] * span.Length / sum);
    }

    /// <inheritdoc />
    public override WeightingStateDict StateDict()
    {
        var sd = new WeightingStateDict();
        sd.Tensors["task_weights"] = TaskWeights.Detach().Clone();
        return sd;
    }

    /// <inheritdoc />
    public override void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        LearnedState.Load(stateDict, "task_weights", TaskWeights, nameof(GradNorm));
    }
}
