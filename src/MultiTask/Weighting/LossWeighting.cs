using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Training;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Weighting;

/// <summary>
/// The base of every loss-weighting and gradient-aggregation strategy: turns the per-task losses of a
/// batch into gradients on the model's parameters.
/// </summary>
/// <remarks>
/// <para>
/// The trainer calls <see cref="Initialize"/> once (then gives <see cref="Parameters"/> to its
/// optimizer), <see cref="Backward"/> once per batch instead of <c>loss.Backward()</c>,
/// <see cref="AfterOptimizerStep"/> after each optimizer step and <see cref="OnEpochEnd"/> after
/// recording an epoch's losses in the context. It never needs to know which strategy it holds.
/// </para>
/// <para>
/// <see cref="Backward"/> is a template method. The base validates the losses (one per task,
/// one element each, finite, differentiable), skips tasks whose loss is null (no labels in the batch),
/// records each task's first loss in <see cref="WeightingContext.InitialLosses"/>, calls
/// <see cref="BackwardCore"/>, and reports a weight of 0 for every skipped task. A subclass writes only
/// <see cref="BackwardCore"/>, using one of two helpers that add the context's
/// <see cref="WeightingContext.ExtraObjective"/> exactly once:
/// </para>
/// <list type="bullet">
/// <item>loss-space methods build a combined objective (often with <see cref="WeightedSum"/>) and
/// call <see cref="BackwardObjective"/>;</item>
/// <item>gradient-space methods get one flattened gradient of the shared parameters per task from
/// <see cref="TaskGradients"/>, combine them, and call <see cref="BackwardWithSharedGradient"/>, which
/// gives the task-specific parameters their ordinary gradients and the shared parameters the combined one.</item>
/// </list>
/// <para>
/// Gradients accumulate into <see cref="Tensor.Grad"/> as with <c>loss.Backward()</c>: the trainer zeroes
/// them before each batch (or not, to accumulate over several batches).
/// </para>
/// </remarks>
public abstract class LossWeighting
{
    private string[]? _taskNames;
    private WeightingContext? _context;

    /// <summary>The task names this strategy was initialised for, or null before <see cref="Initialize"/>.</summary>
    protected IReadOnlyList<string>? TaskNames => _taskNames;

    /// <summary>Whether <see cref="Initialize"/> has run.</summary>
    public bool IsInitialized => _taskNames is not null;

    /// <summary>
    /// Binds the strategy to one training run's context and creates any learned weights. Call it once
    /// before asking for <see cref="Parameters"/>; calling it again with the same context does nothing.
    /// </summary>
    /// <remarks>
    /// A strategy belongs to one run: its learned weights sit in that run's optimizer and its state
    /// (initial losses, loss history) describes that run. Binding it to a second context — e.g. one
    /// <see cref="Training.TrainerOptions"/> instance reused for the trainers of a k-fold loop — is refused
    /// rather than silently carrying the first run's state into the next. Build the options (or at least
    /// the strategy) afresh for each trainer.
    /// </remarks>
    /// <param name="context">The training run's context.</param>
    /// <exception cref="InvalidOperationException">The strategy is already bound to another context (another trainer).</exception>
    /// <exception cref="ArgumentException">The strategy's settings do not fit the context (e.g. an unknown task name).</exception>
    public void Initialize(WeightingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_taskNames is not null)
        {
            if (ReferenceEquals(_context, context)) return;
            throw new InvalidOperationException(
                $"This {GetType().Name} instance is already bound to another training run (tasks {Format(_taskNames)}), and its state would leak into this one (tasks {context.KnownTasks()}). " +
                $"Give each trainer its own strategy, e.g. new TrainerOptions {{ Weighting = new {GetType().Name}(...) }} built inside the loop.");
        }
        OnInitialize(context);
        _taskNames = [.. context.TaskNames];
        _context = context;
    }

    /// <summary>
    /// Validates the strategy's settings against the context and creates its learned weights; called
    /// once by <see cref="Initialize"/>. The default does nothing.
    /// </summary>
    /// <param name="context">The training run's context.</param>
    protected virtual void OnInitialize(WeightingContext context)
    {
    }

    /// <summary>
    /// The strategy's learned weights (e.g. uncertainty log-variances), to be trained by the same
    /// optimizer as the model. Empty by default. Strategies with learned weights need
    /// <see cref="Initialize"/> first.
    /// </summary>
    /// <returns>The learned parameters.</returns>
    public virtual IEnumerable<Parameter> Parameters() => [];

    /// <summary>Clears the gradients of the learned weights (<see cref="Parameters"/>), like <c>Module.ZeroGrad()</c>.</summary>
    public void ZeroGrad()
    {
        if (!IsInitialized) return;
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>
    /// Differentiates the weighted combination of <paramref name="taskLosses"/> (plus the context's
    /// extra objective), accumulating gradients into the model's parameters and the strategy's own.
    /// </summary>
    /// <param name="taskLosses">One entry per task, in task order: the task's one-element loss for the batch, or null when the task has no labels in it (the task is then skipped).</param>
    /// <param name="context">The training run's context.</param>
    /// <returns>The weight of each task (0 for skipped tasks) and the objective value.</returns>
    /// <exception cref="ArgumentException">The number of losses differs from the number of tasks, a loss has more than one element, is not finite or does not require grad, or the extra objective has more than one element.</exception>
    /// <exception cref="InvalidOperationException">The strategy has learned weights but was not initialised (so the optimizer cannot have them).</exception>
    /// <exception cref="TrainingDivergedException">The strategy computed a NaN or infinite weight for a task.</exception>
    public WeightingResult Backward(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        ArgumentNullException.ThrowIfNull(taskLosses);
        ArgumentNullException.ThrowIfNull(context);
        if (taskLosses.Count != context.TaskCount)
            throw new ArgumentException(
                $"Got {taskLosses.Count} task losses for {context.TaskCount} tasks ({context.KnownTasks()}); pass one loss per task, in task order, null for a task without labels in the batch.",
                nameof(taskLosses));
        if (!IsInitialized)
        {
            Initialize(context);
            if (Parameters().Any())
                throw new InvalidOperationException(
                    $"{GetType().Name} has learned weights, but Backward was called before Initialize(context), so they cannot be in the optimizer. " +
                    "Call Initialize(context) first and add Parameters() to the optimizer.");
        }
        else
        {
            Initialize(context);
        }

        var losses = new Tensor?[taskLosses.Count];
        var values = new double[taskLosses.Count];
        int present = 0;
        for (int i = 0; i < losses.Length; i++)
        {
            var loss = taskLosses[i];
            if (loss is null) continue;
            string name = context.TaskNames[i];
            if (loss.Numel != 1)
                throw new ArgumentException(
                    $"The loss of task '{name}' has shape {FormatShape(loss)}, but a task loss must have one element; reduce it (e.g. Reduction.Mean) before weighting.",
                    nameof(taskLosses));
            if (!loss.RequiresGrad)
                throw new ArgumentException(
                    $"The loss of task '{name}' does not require grad: it was computed under Autograd.NoGrad() or from no trainable parameter. Compute it from the model's output with grad enabled.",
                    nameof(taskLosses));
            double value = loss.Item();
            if (!double.IsFinite(value))
                throw new ArgumentException(
                    $"The loss of task '{name}' is {value} at step {context.Step}. Check its targets for unmasked NaN labels, or lower the learning rate.",
                    nameof(taskLosses));
            losses[i] = loss.Rank == 0 ? loss : loss.Reshape();
            values[i] = value;
            present++;
        }
        if (context.ExtraObjective is { } extra)
        {
            if (extra.Numel != 1)
                throw new ArgumentException(
                    $"The context's ExtraObjective has shape {FormatShape(extra)}, but it must have one element; sum or average it first.",
                    nameof(context));
            if (extra.Rank != 0) context.ExtraObjective = extra.Reshape();
        }
        for (int i = 0; i < losses.Length; i++)
        {
            if (losses[i] is not null) context.ObserveInitialLoss(i, values[i]);
        }

        WeightingResult core;
        try
        {
            if (present == 0)
            {
                // No task has labels: only the extra objective, if any, can move the parameters.
                double objective = context.ExtraObjective is null ? 0 : BackwardObjective(null, context);
                core = new WeightingResult(new double[losses.Length], objective);
            }
            else
            {
                core = BackwardCore(losses, context);
            }
            if (context.ExtraObjective is not null)
                throw new InvalidOperationException(
                    $"{GetType().Name}.BackwardCore did not add the context's ExtraObjective; call BackwardObjective or BackwardWithSharedGradient, which add it.");
        }
        finally
        {
            context.ExtraObjective = null;
        }

        if (core.Weights.Count != losses.Length)
            throw new InvalidOperationException($"{GetType().Name}.BackwardCore reported {core.Weights.Count} weights for {losses.Length} tasks.");
        var weights = new double[losses.Length];
        for (int i = 0; i < weights.Length; i++)
        {
            if (losses[i] is null) continue;
            weights[i] = core.Weights[i];
            // A learned strategy's state gone non-finite or extreme (e.g. resumed from a damaged checkpoint) is a divergence, not a bug.
            if (!double.IsFinite(weights[i]))
                throw new TrainingDivergedException($"the weight {GetType().Name} computed for task '{context.TaskNames[i]}'", context.TaskNames[i], weights[i], context.Epoch, context.Step);
        }
        return new WeightingResult(weights, core.Objective, core.Diagnostics);
    }

    /// <summary>
    /// Computes the weighted objective and its gradients. <paramref name="taskLosses"/> has one entry per
    /// task: a validated, finite, differentiable zero-rank loss, or null for a skipped task; at least one
    /// entry is present. Implementations must add the context's extra objective exactly once, through
    /// <see cref="BackwardObjective"/> or <see cref="BackwardWithSharedGradient"/>.
    /// </summary>
    /// <param name="taskLosses">The per-task losses, null for skipped tasks.</param>
    /// <param name="context">The training run's context.</param>
    /// <returns>The weight of each task (any value for skipped tasks; the base reports 0) and the objective value.</returns>
    protected abstract WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context);

    /// <summary>
    /// Called after each optimizer step (e.g. GradNorm renormalises its weights here). Does nothing by default.
    /// </summary>
    /// <param name="context">The training run's context.</param>
    public virtual void AfterOptimizerStep(WeightingContext context)
    {
    }

    /// <summary>
    /// Called after the trainer recorded a finished epoch's losses with
    /// <see cref="WeightingContext.RecordEpochLosses"/>. Does nothing by default.
    /// </summary>
    /// <param name="context">The training run's context.</param>
    public virtual void OnEpochEnd(WeightingContext context)
    {
    }

    /// <summary>Snapshots the strategy's own state (learned weights, random streams); empty by default.</summary>
    /// <returns>A snapshot that <see cref="LoadStateDict"/> restores.</returns>
    public virtual WeightingStateDict StateDict() => new();

    /// <summary>
    /// Restores a snapshot from <see cref="StateDict"/>, in place (an optimizer holding the learned
    /// weights keeps working). The default accepts only an empty snapshot.
    /// </summary>
    /// <param name="stateDict">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot does not belong to this kind of strategy.</exception>
    public virtual void LoadStateDict(WeightingStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (!stateDict.IsEmpty)
            throw new ArgumentException(
                $"{GetType().Name} has no state, but the snapshot has entries {Format([.. stateDict.Tensors.Keys, .. stateDict.Values.Keys])}; it was taken from another strategy.",
                nameof(stateDict));
    }

    /// <summary>Σᵢ wᵢ·Lᵢ over the present tasks, with the weights as constants.</summary>
    /// <param name="taskLosses">The per-task losses, null for skipped tasks.</param>
    /// <param name="weights">One weight per task.</param>
    /// <returns>The weighted sum (a zero-rank tensor).</returns>
    protected static Tensor WeightedSum(IReadOnlyList<Tensor?> taskLosses, IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(taskLosses);
        ArgumentNullException.ThrowIfNull(weights);
        Tensor? sum = null;
        for (int i = 0; i < taskLosses.Count; i++)
        {
            if (taskLosses[i] is not { } l) continue;
            var term = weights[i] == 1.0 ? l : l * (float)weights[i];
            sum = sum is null ? term : sum + term;
        }
        return sum ?? Tensor.Scalar(0f);
    }

    /// <summary>
    /// Adds the context's extra objective (once; it is consumed) to <paramref name="objective"/> and
    /// back-propagates the sum into every parameter's <see cref="Tensor.Grad"/>.
    /// </summary>
    /// <param name="objective">The strategy's one-element objective, or null when only the extra objective remains.</param>
    /// <param name="context">The training run's context.</param>
    /// <returns>The value of the differentiated total.</returns>
    protected static double BackwardObjective(Tensor? objective, WeightingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var total = objective;
        if (context.ExtraObjective is { } extra)
        {
            context.ExtraObjective = null;
            total = total is null ? extra : total + extra;
        }
        if (total is null) return 0;
        if (total.RequiresGrad) total.Backward();
        return total.Item();
    }

    /// <summary>
    /// The gradient of each present task's loss with respect to the shared parameters, flattened into
    /// one vector of length <see cref="WeightingContext.SharedNumel"/> in the order of
    /// <see cref="WeightingContext.SharedParameters"/>. A parameter the loss does not use, or a frozen
    /// one, contributes zeros. The graph is kept, so the losses can still be back-propagated. With a
    /// <see cref="WeightingContext.ProcessGroup"/> of several processes the vectors are averaged over the ranks.
    /// </summary>
    /// <param name="taskLosses">The per-task losses, null for skipped tasks.</param>
    /// <param name="context">The training run's context.</param>
    /// <returns>One vector per task, null for skipped tasks.</returns>
    /// <exception cref="InvalidOperationException">The context has no shared parameters.</exception>
    protected static float[]?[] TaskGradients(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        ArgumentNullException.ThrowIfNull(taskLosses);
        ArgumentNullException.ThrowIfNull(context);
        var shared = context.SharedParameters;
        if (shared.Count == 0)
            throw new InvalidOperationException(
                "This strategy combines per-task gradients of the shared parameters, but the weighting context has none; pass the model's shared parameters to WeightingContext.");
        var trainable = new List<Tensor>();
        foreach (var p in shared)
        {
            if (p.RequiresGrad) trainable.Add(p);
        }
        var result = new float[]?[taskLosses.Count];
        for (int i = 0; i < taskLosses.Count; i++)
        {
            if (taskLosses[i] is not { } loss) continue;
            var flat = new float[context.SharedNumel];
            result[i] = flat;
            if (trainable.Count == 0) continue;
            var grads = Autograd.Grad([loss], trainable, retainGraph: true, allowUnused: true);
            int offset = 0, k = 0;
            foreach (var p in shared)
            {
                if (p.RequiresGrad && grads[k++] is { } g) g.AsSpan().CopyTo(flat.AsSpan(offset, p.Numel));
                offset += p.Numel;
            }
        }
        // With several processes each rank holds its shard's gradients; averaged, they are the global batch's.
        context.ReduceTaskGradients(result);
        return result;
    }

    /// <summary>
    /// Back-propagates Σᵢ Lᵢ plus the context's extra objective so that every task-specific parameter
    /// gets its ordinary gradient, then gives the shared parameters <paramref name="sharedGradient"/>
    /// (plus the extra objective's own gradient) instead of the gradient of Σᵢ Lᵢ. Gradients already in
    /// <see cref="Tensor.Grad"/> are kept (accumulated onto), as with <c>loss.Backward()</c>.
    /// </summary>
    /// <param name="taskLosses">The per-task losses, null for skipped tasks.</param>
    /// <param name="sharedGradient">The combined gradient of the shared parameters, flattened as by <see cref="TaskGradients"/>.</param>
    /// <param name="context">The training run's context.</param>
    /// <returns>The value of Σᵢ Lᵢ plus the extra objective.</returns>
    /// <exception cref="ArgumentException"><paramref name="sharedGradient"/> has the wrong length.</exception>
    protected static double BackwardWithSharedGradient(IReadOnlyList<Tensor?> taskLosses, ReadOnlySpan<float> sharedGradient, WeightingContext context)
    {
        ArgumentNullException.ThrowIfNull(taskLosses);
        ArgumentNullException.ThrowIfNull(context);
        if (sharedGradient.Length != context.SharedNumel)
            throw new ArgumentException(
                $"The shared gradient has {sharedGradient.Length} elements but the shared parameters have {context.SharedNumel}; flatten it as TaskGradients does.",
                nameof(sharedGradient));
        var shared = context.SharedParameters;
        var extra = context.ExtraObjective;
        context.ExtraObjective = null;

        Tensor?[]? extraGrads = null;
        if (extra is not null && extra.RequiresGrad)
        {
            var trainable = shared.Where(p => p.RequiresGrad).Cast<Tensor>().ToList();
            if (trainable.Count > 0)
            {
                var g = Autograd.Grad([extra], trainable, retainGraph: true, allowUnused: true);
                extraGrads = new Tensor?[shared.Count];
                for (int k = 0, t = 0; k < shared.Count; k++)
                {
                    if (shared[k].RequiresGrad) extraGrads[k] = g[t++];
                }
            }
        }

        // The shared parameters' gradient from Σ Lᵢ is replaced, so set aside what was accumulated
        // before this call and let the backward pass write into empty slots.
        var saved = new Tensor?[shared.Count];
        for (int k = 0; k < shared.Count; k++)
        {
            saved[k] = shared[k].Grad;
            shared[k].Grad = null;
        }
        var total = WeightedSum(taskLosses, Enumerable.Repeat(1.0, taskLosses.Count).ToArray());
        if (extra is not null) total += extra;
        if (total.RequiresGrad) total.Backward();

        int offset = 0;
        for (int k = 0; k < shared.Count; k++)
        {
            var p = shared[k];
            if (!p.RequiresGrad)
            {
                p.Grad = saved[k];
                offset += p.Numel;
                continue;
            }
            var grad = Tensor.FromArray(sharedGradient.Slice(offset, p.Numel), [.. p.Shape]);
            offset += p.Numel;
            if (extraGrads?[k] is { } eg) grad = AddDetached(grad, eg);
            if (saved[k] is { } s) grad = AddDetached(grad, s);
            p.Grad = grad;
        }
        return total.Item();
    }

    private static Tensor AddDetached(Tensor a, Tensor b)
    {
        var span = a.AsSpan();
        var other = b.AsSpan();
        for (int i = 0; i < span.Length; i++) span[i] += other[i];
        return a;
    }

    private static string FormatShape(Tensor t) => "[" + string.Join(", ", t.Shape) + "]";

    private static string Format(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
