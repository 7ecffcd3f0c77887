using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Training;

/// <summary>Which norm a <see cref="Regularization"/> penalises.</summary>
public enum RegularizationNorm
{
    /// <summary>R(θ) = Σ |θ| (lasso; drives weights to exactly zero).</summary>
    L1,

    /// <summary>R(θ) = Σ θ² (ridge; shrinks weights smoothly).</summary>
    L2,
}

/// <summary>
/// A parameter-norm term λ·R(θ) added to the training objective, which becomes
/// Σᵢ wᵢ·Lᵢ + λ·R(θ) + the architecture's own <see cref="MultiTaskModel.Penalty"/>.
/// </summary>
/// <remarks>
/// <para>Unlike an optimizer's weight decay, the term is part of the objective: every weighting strategy sees
/// it (it is passed as <c>WeightingContext.ExtraObjective</c>, added exactly once and never re-weighted),
/// it is reported in the objective, and it can be restricted to some parameters, e.g. only the shared
/// backbone. R sums over the selected parameters, frozen ones included (they get no gradient).</para>
/// <para>Other terms derive from this class and override <see cref="Penalty"/> (e.g.
/// <c>MultiTask.Continual.ElasticWeightConsolidation</c>); the trainer treats every term alike.</para>
/// </remarks>
public class Regularization
{
    private Regularization(RegularizationNorm norm, double lambda, ParameterSelector? parameters)
        : this(lambda, parameters ?? ParameterSelector.All)
    {
        Norm = norm;
    }

    /// <summary>Creates a term of a derived class, which overrides <see cref="Penalty"/>.</summary>
    /// <param name="lambda">The strength λ ≥ 0.</param>
    /// <param name="parameters">The parameters the term reads.</param>
    /// <exception cref="ArgumentOutOfRangeException">λ is negative or not finite.</exception>
    protected Regularization(double lambda, ParameterSelector parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!double.IsFinite(lambda) || lambda < 0)
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, $"The regularisation strength λ must be finite and non-negative, got {lambda}.");
        Lambda = lambda;
        Parameters = parameters;
    }

    /// <summary>The penalised norm of <see cref="L1"/> and <see cref="L2"/> terms; null for a term of a derived class.</summary>
    public RegularizationNorm? Norm { get; }

    /// <summary>The strength λ.</summary>
    public double Lambda { get; }

    /// <summary>Which parameters R sums over.</summary>
    public ParameterSelector Parameters { get; }

    /// <summary>An L1 term λ·Σ|θ| over <paramref name="parameters"/> (default: all).</summary>
    /// <param name="lambda">The strength λ ≥ 0.</param>
    /// <param name="parameters">The penalised parameters.</param>
    /// <returns>The term.</returns>
    public static Regularization L1(double lambda, ParameterSelector? parameters = null) => new(RegularizationNorm.L1, lambda, parameters);

    /// <summary>An L2 term λ·Σθ² over <paramref name="parameters"/> (default: all).</summary>
    /// <param name="lambda">The strength λ ≥ 0.</param>
    /// <param name="parameters">The penalised parameters.</param>
    /// <returns>The term.</returns>
    public static Regularization L2(double lambda, ParameterSelector? parameters = null) => new(RegularizationNorm.L2, lambda, parameters);

    /// <summary>Computes λ·R(θ) for <paramref name="model"/> as a differentiable zero-rank tensor.</summary>
    /// <param name="model">The model.</param>
    /// <returns>The term.</returns>
    /// <exception cref="ArgumentException">The selector matches no parameter.</exception>
    public virtual Tensor Penalty(MultiTaskModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Norm is null)
            throw new InvalidOperationException($"{GetType().Name} derives from Regularization without overriding Penalty; override it to compute the term.");
        Tensor? sum = null;
        foreach (var p in Parameters.Select(model))
        {
            var term = Norm == RegularizationNorm.L1 ? p.Abs().Sum() : p.Square().Sum();
            sum = sum is null ? term : sum + term;
        }
        if (sum is null)
            throw new ArgumentException($"The regularisation selects no parameter of {model.GetType().Name} ({Parameters}); choose another selector.", nameof(model));
        return sum * (float)Lambda;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Norm}(λ={Lambda}, {Parameters})";
}

/// <summary>Chooses the parameters of a <see cref="MultiTaskModel"/> that a <see cref="Regularization"/> penalises.</summary>
public sealed class ParameterSelector
{
    private readonly Func<MultiTaskModel, IEnumerable<Parameter>> _select;
    private readonly string _description;

    private ParameterSelector(Func<MultiTaskModel, IEnumerable<Parameter>> select, string description)
    {
        _select = select;
        _description = description;
    }

    /// <summary>Every parameter of the model.</summary>
    public static ParameterSelector All { get; } = new(m => m.Parameters(), "all parameters");

    /// <summary>The shared parameters (<see cref="MultiTaskModel.SharedParameters"/>).</summary>
    public static ParameterSelector Shared { get; } = new(m => m.SharedParameters(), "shared parameters");

    /// <summary>Every task-specific parameter, of all tasks.</summary>
    public static ParameterSelector TaskSpecific { get; } = new(m => m.TaskNames.SelectMany(t => m.TaskParameters(t)), "task-specific parameters");

    /// <summary>The parameters of one task (<see cref="MultiTaskModel.TaskParameters"/>).</summary>
    /// <param name="task">The task name.</param>
    /// <returns>The selector.</returns>
    public static ParameterSelector Task(string task)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        return new(m => m.TaskParameters(task), $"parameters of task '{task}'");
    }

    /// <summary>The parameters whose dotted name is <paramref name="prefix"/> or starts with <paramref name="prefix"/> followed by '.', e.g. <c>"backbone.0"</c>.</summary>
    /// <param name="prefix">The name prefix.</param>
    /// <returns>The selector.</returns>
    public static ParameterSelector Prefix(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return new(
            m => m.NamedParameters()
                .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && (p.Key.Length == prefix.Length || p.Key[prefix.Length] == '.'))
                .Select(p => p.Value),
            $"parameters under '{prefix}'");
    }

    /// <summary>The selected parameters of <paramref name="model"/>.</summary>
    /// <param name="model">The model.</param>
    /// <returns>The parameters, in the model's order.</returns>
    public IReadOnlyList<Parameter> Select(MultiTaskModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _select(model).ToList();
    }

    /// <inheritdoc />
    public override string ToString() => _description;
}
