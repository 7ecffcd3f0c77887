namespace MultiTask.Search;

/// <summary>
/// One configuration of a search: a value for every parameter of the <see cref="SearchSpace"/>, with
/// typed access (<c>trial.Get&lt;double&gt;("lr")</c>), a number and a seed of its own.
/// </summary>
/// <remarks>
/// Successive halving evaluates the same configuration at several budgets; each evaluation is a
/// <see cref="TrialResult"/> row that points to the same <see cref="Trial"/>.
/// </remarks>
public sealed class Trial
{
    private readonly OrderedDictionary<string, object?> _values;
    private readonly IReadOnlyList<SearchParameter> _parameters;

    internal Trial(int id, ulong seed, IReadOnlyDictionary<string, object?> values, IReadOnlyList<SearchParameter> parameters)
    {
        Id = id;
        Seed = seed;
        _parameters = parameters;
        _values = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in parameters) _values[p.Name] = values[p.Name];
    }

    /// <summary>The configuration's number, 0-based, in the order the strategy proposed it.</summary>
    public int Id { get; }

    /// <summary>
    /// A seed derived from <see cref="SearchOptions.Seed"/> and <see cref="Id"/>, the same at every budget,
    /// so a configuration trained longer starts from the same initialisation.
    /// </summary>
    public ulong Seed { get; }

    /// <summary>The parameter values by name, in the space's declaration order.</summary>
    public IReadOnlyDictionary<string, object?> Values => _values;

    /// <summary>The value of parameter <paramref name="name"/> as a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The parameter's type: double for Uniform and LogUniform, int for Int, the element type for Choice and Fixed.</typeparam>
    /// <param name="name">The parameter name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="KeyNotFoundException">No parameter has that name; the message lists the names.</exception>
    /// <exception cref="InvalidCastException">The value is not a <typeparamref name="T"/>; the message names its type.</exception>
    public T Get<T>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_values.TryGetValue(name, out var value))
            throw new KeyNotFoundException(
                $"The trial has no parameter '{name}'; its parameters are: {string.Join(", ", _values.Keys)}. Add it to the SearchSpace or fix the name.");
        if (value is T typed) return typed;
        if (value is null && default(T) is null) return default!;
        string actual = value?.GetType().Name ?? "null";
        // Choice("widths", new[] { 16, 32 }) declares two int options, not one array option: say so when it bites.
        string hint = typeof(T).IsArray && value is not null && !value.GetType().IsArray
            ? " A single array passed to Choice is read as the list of options; declare array options with Choice<int[]>(name, [16, 16], [32, 32])."
            : "";
        throw new InvalidCastException(
            $"Parameter '{name}' is a {actual} ({ValueText.Format(value, false)}), not a {typeof(T).Name}; call Get<{(value is null ? typeof(T).Name + "?" : actual)}>(\"{name}\").{hint}");
    }

    /// <summary>The configuration as <c>name=value</c> pairs.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Join(", ", _parameters.Select(p => $"{p.Name}={Label(p.Name, false)}"));

    internal IReadOnlyList<SearchParameter> Parameters => _parameters;

    internal string Label(string name, bool roundTrip) =>
        _parameters.First(p => p.Name == name).Label(_values[name], roundTrip);
}
