using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// One task of a <see cref="CascadeModel"/> whose output is computed from the outputs of other tasks instead of by a
/// head of its own: a step of a task cascade such as click → conversion.
/// </summary>
/// <remarks>
/// <para>The one kind so far is the <see cref="Conjunction"/>: with p_parent = σ(parent logit) and
/// p_conditional = σ(conditional logit) read as p(parent | x) and p(conditional | parent, x), the task's probability is
/// their product p(parent ∧ conditional | x), and its output is the logit of that product, so that a binary task's usual
/// loss (binary cross-entropy with logits) and prediction (a sigmoid) apply unchanged.</para>
/// <para>Both factors may themselves be derived tasks, which makes chains: click → add-to-cart → purchase is
/// <c>Conjunction("cart_all", "click", "cart")</c> then <c>Conjunction("purchase_all", "cart_all", "purchase")</c>,
/// i.e. p(a ∧ b ∧ c) = p(a)·p(b | a)·p(c | a, b).</para>
/// </remarks>
public sealed record TaskDependency
{
    private TaskDependency(string task, string parent, string conditional)
    {
        Task = task;
        Parent = parent;
        Conditional = conditional;
    }

    /// <summary>The derived task's name (an output of the cascade).</summary>
    public string Task { get; }

    /// <summary>The task whose probability is p(parent | x), e.g. the click-through rate.</summary>
    public string Parent { get; }

    /// <summary>The task whose probability is p(conditional | parent, x), e.g. the conversion rate given a click.</summary>
    public string Conditional { get; }

    /// <summary>
    /// The task <paramref name="task"/> whose probability is σ(parent)·σ(conditional): the joint probability of the
    /// parent event and the conditional event (ESMM's p(click ∧ convert | x) = p(click | x)·p(convert | click, x)).
    /// </summary>
    /// <param name="task">The derived task's name: not empty, without '.', different from both factors.</param>
    /// <param name="parent">The parent task's name.</param>
    /// <param name="conditional">The conditional task's name.</param>
    /// <returns>The dependency.</returns>
    /// <exception cref="ArgumentException">An empty or dotted name, or a task that names itself or the same factor twice.</exception>
    public static TaskDependency Conjunction(string task, string parent, string conditional)
    {
        CheckName(task, nameof(task));
        CheckName(parent, nameof(parent));
        CheckName(conditional, nameof(conditional));
        if (task == parent || task == conditional)
            throw new ArgumentException($"Task '{task}' cannot be one of its own factors (parent '{parent}', conditional '{conditional}'); give the derived task a name of its own.", nameof(task));
        if (parent == conditional)
            throw new ArgumentException($"Task '{task}' has '{parent}' as both parent and conditional; a conjunction multiplies two different tasks' probabilities.", nameof(conditional));
        return new TaskDependency(task, parent, conditional);
    }

    /// <summary>
    /// The logit of σ(<paramref name="parentLogits"/>)·σ(<paramref name="conditionalLogits"/>), element-wise, finite for
    /// any finite logits and differentiable.
    /// </summary>
    /// <param name="parentLogits">The parent's logits.</param>
    /// <param name="conditionalLogits">The conditional's logits, of the same shape.</param>
    /// <returns>log q − log(1 − q) for q = p₁·p₂, of the inputs' shape.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <remarks>
    /// Computed in log space from the logits a and b, never from the probabilities: log p₁ = −softplus(−a),
    /// log(1 − p₁) = −softplus(a), and 1 − p₁p₂ = (1 − p₁) + p₁(1 − p₂) is a sum of two positive terms, so
    /// log(1 − q) = logsumexp(−softplus(a), −softplus(−a) − softplus(b)) has no cancellation. The direct
    /// log(1 − q) rounds q to 1 in float32 once both logits pass about 18 and returns −∞; this form gives
    /// ≈ min(a, b) − log(1 + e^−|a−b|) there, which is the exact value to float precision.
    /// </remarks>
    public static Tensor ConjunctionLogit(Tensor parentLogits, Tensor conditionalLogits)
    {
        ArgumentNullException.ThrowIfNull(parentLogits);
        ArgumentNullException.ThrowIfNull(conditionalLogits);
        if (!parentLogits.Shape.SequenceEqual(conditionalLogits.Shape))
            throw new ArgumentException(
                $"A conjunction multiplies probabilities element-wise, but the parent's logits have shape [{string.Join(", ", parentLogits.Shape)}] " +
                $"and the conditional's [{string.Join(", ", conditionalLogits.Shape)}].", nameof(conditionalLogits));
        var logParent = -(-parentLogits).Softplus();
        var logNotParent = -parentLogits.Softplus();
        var logConditional = -(-conditionalLogits).Softplus();
        var logNotConditional = -conditionalLogits.Softplus();
        var logNotBoth = Tensor.Stack([logNotParent, logParent + logNotConditional], 0).LogSumExp(0);
        return logParent + logConditional - logNotBoth;
    }

    private static void CheckName(string name, string argument)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("Task names in a dependency must not be empty.", argument);
        if (name.Contains('.'))
            throw new ArgumentException($"Task name '{name}' contains '.', which separates parameter names; rename the task.", argument);
    }
}
