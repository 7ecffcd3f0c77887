using MultiTask.Engine.Tensors;

namespace MultiTask.Search;

/// <summary>
/// The hyper-parameters to search over, built fluently:
/// <c>new SearchSpace().LogUniform("lr", 1e-4, 1e-1).Int("layers", 1, 3).Choice("weighting", "equal", "uncertainty")</c>.
/// Each method adds one named, typed parameter; <see cref="Trial.Get{T}"/> reads its value back.
/// </summary>
/// <remarks>
/// Random sampling draws every parameter independently, in declaration order. A grid is the Cartesian
/// product of the parameters' grid values, the last parameter varying fastest: integer ranges, choices
/// and fixed values are finite, while a continuous (Uniform, LogUniform) parameter takes part only if it
/// was declared with an explicit <c>grid</c> of values.
/// </remarks>
public sealed class SearchSpace
{
    private readonly List<SearchParameter> _parameters = [];

    /// <summary>The parameters, in declaration order.</summary>
    public IReadOnlyList<SearchParameter> Parameters => _parameters;

    /// <summary>Adds a real parameter, uniform on [<paramref name="low"/>, <paramref name="high"/>].</summary>
    /// <param name="name">The parameter name.</param>
    /// <param name="low">The smallest value.</param>
    /// <param name="high">The largest value (greater than <paramref name="low"/>).</param>
    /// <param name="grid">The values a grid search visits (within the range); null leaves the parameter out of grids (a grid search then fails with a message saying so).</param>
    /// <returns>This space.</returns>
    public SearchSpace Uniform(string name, double low, double high, IReadOnlyList<double>? grid = null) =>
        Add(new FloatParameter(name, low, high, log: false, grid));

    /// <summary>
    /// Adds a real parameter uniform in log space on [<paramref name="low"/>, <paramref name="high"/>]: each
    /// decade is equally likely, the usual choice for learning rates and regularisation strengths.
    /// </summary>
    /// <param name="name">The parameter name.</param>
    /// <param name="low">The smallest value (positive).</param>
    /// <param name="high">The largest value.</param>
    /// <param name="grid">The values a grid search visits (within the range); null leaves the parameter out of grids.</param>
    /// <returns>This space.</returns>
    public SearchSpace LogUniform(string name, double low, double high, IReadOnlyList<double>? grid = null) =>
        Add(new FloatParameter(name, low, high, log: true, grid));

    /// <summary>Adds an integer parameter on [<paramref name="low"/>, <paramref name="high"/>], both included.</summary>
    /// <param name="name">The parameter name.</param>
    /// <param name="low">The smallest value.</param>
    /// <param name="high">The largest value.</param>
    /// <param name="log">Sample uniformly in log space (e.g. layer widths 16..256); needs <paramref name="low"/> ≥ 1.</param>
    /// <param name="grid">The values a grid search visits; default every integer of the range.</param>
    /// <returns>This space.</returns>
    public SearchSpace Int(string name, int low, int high, bool log = false, IReadOnlyList<int>? grid = null) =>
        Add(new IntParameter(name, low, high, log, grid));

    /// <summary>
    /// Adds a categorical parameter: one of <paramref name="values"/>, each equally likely. Any type works
    /// (strings, <c>int[]</c> layer widths, factories); values without a readable text show in tables by
    /// position. Strings mapped to objects in the model builder keep tables and CSV files clearest.
    /// </summary>
    /// <typeparam name="T">The value type that <see cref="Trial.Get{T}"/> returns.</typeparam>
    /// <param name="name">The parameter name.</param>
    /// <param name="values">The options, at least one.</param>
    /// <returns>This space.</returns>
    public SearchSpace Choice<T>(string name, params T[] values) => Add(new ChoiceParameter<T>(name, values, isFixed: false));

    /// <summary>Adds a parameter that always has <paramref name="value"/> (shown in results; one grid point).</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="name">The parameter name.</param>
    /// <param name="value">The value.</param>
    /// <returns>This space.</returns>
    public SearchSpace Fixed<T>(string name, T value) => Add(new ChoiceParameter<T>(name, [value], isFixed: true));

    /// <summary>The number of grid points (the product of the parameters' grid sizes).</summary>
    /// <exception cref="InvalidOperationException">A continuous parameter has no grid, or the space is empty.</exception>
    public long GridSize
    {
        get
        {
            long size = 1;
            foreach (var p in RequireGrid()) size = checked(size * p.GridValues!.Count);
            return size;
        }
    }

    /// <summary>Every combination of grid values, the last parameter varying fastest.</summary>
    /// <returns>One name → value map per grid point, in declaration order.</returns>
    /// <exception cref="InvalidOperationException">A continuous parameter has no grid, or the space is empty.</exception>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> GridPoints()
    {
        var parameters = RequireGrid();
        long size = GridSize;
        if (size > 1_000_000)
            throw new InvalidOperationException(
                $"The grid has {size} points; narrow the integer ranges with a grid: argument or use RandomSearch.");
        var points = new List<IReadOnlyDictionary<string, object?>>((int)size);
        var index = new int[parameters.Count];
        for (long n = 0; n < size; n++)
        {
            var point = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
            for (int p = 0; p < parameters.Count; p++) point[parameters[p].Name] = parameters[p].GridValues![index[p]];
            points.Add(point);
            for (int p = parameters.Count - 1; p >= 0; p--)
            {
                if (++index[p] < parameters[p].GridValues!.Count) break;
                index[p] = 0;
            }
        }
        return points;
    }

    /// <summary>Draws one value per parameter, in declaration order.</summary>
    /// <param name="generator">The seeded source of randomness.</param>
    /// <returns>The name → value map.</returns>
    /// <exception cref="InvalidOperationException">The space is empty.</exception>
    public IReadOnlyDictionary<string, object?> Sample(Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        RequireParameters();
        var point = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in _parameters) point[p.Name] = p.Sample(generator);
        return point;
    }

    /// <summary>The parameters' distributions, one per line.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => string.Join(Environment.NewLine, _parameters.Select(p => p.ToString()));

    private SearchSpace Add(SearchParameter parameter)
    {
        if (_parameters.Any(p => p.Name == parameter.Name))
            throw new ArgumentException($"The search space already has a parameter '{parameter.Name}'; give each parameter its own name.", "name");
        _parameters.Add(parameter);
        return this;
    }

    private void RequireParameters()
    {
        if (_parameters.Count == 0)
            throw new InvalidOperationException("The search space is empty; add parameters with Uniform, LogUniform, Int, Choice or Fixed.");
    }

    private List<SearchParameter> RequireGrid()
    {
        RequireParameters();
        var continuous = _parameters.Where(p => p.GridValues is null).Select(p => p.Name).ToArray();
        if (continuous.Length > 0)
            throw new InvalidOperationException(
                $"Parameter{(continuous.Length > 1 ? "s" : "")} {string.Join(", ", continuous.Select(n => $"'{n}'"))} {(continuous.Length > 1 ? "are" : "is")} continuous and {(continuous.Length > 1 ? "have" : "has")} no grid; " +
                "declare the values to try, e.g. LogUniform(\"lr\", 1e-4, 1e-1, grid: [1e-4, 1e-3, 1e-2]), or use RandomSearch or SuccessiveHalving.");
        return _parameters;
    }
}
