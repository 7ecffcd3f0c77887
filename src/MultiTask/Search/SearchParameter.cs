using MultiTask.Engine.Tensors;

namespace MultiTask.Search;

/// <summary>
/// One named dimension of a <see cref="SearchSpace"/>: how to draw a value at random and, when the
/// dimension is finite, which values a grid visits.
/// </summary>
/// <remarks>Build parameters through the <see cref="SearchSpace"/> methods (Uniform, LogUniform, Int, Choice, Fixed).</remarks>
public abstract class SearchParameter
{
    private protected SearchParameter(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("A search parameter needs a non-empty name, e.g. \"lr\".", nameof(name));
        Name = name;
    }

    /// <summary>The name that <see cref="Trial.Get{T}"/> looks up.</summary>
    public string Name { get; }

    /// <summary>The type of the values (double, int, or the choice's element type).</summary>
    public abstract Type ValueType { get; }

    /// <summary>The values a grid search visits, in order; null for a continuous parameter declared without a grid.</summary>
    public abstract IReadOnlyList<object?>? GridValues { get; }

    /// <summary>Draws a value from the parameter's distribution.</summary>
    /// <param name="generator">The seeded source of randomness.</param>
    /// <returns>A value of <see cref="ValueType"/>.</returns>
    public abstract object? Sample(Generator generator);

    /// <summary>The text of <paramref name="value"/> in tables and CSV files.</summary>
    internal virtual string Label(object? value, bool roundTrip) => ValueText.Format(value, roundTrip);

    /// <summary>The distribution in words, e.g. <c>lr ~ log-uniform[0.0001, 0.1]</c>.</summary>
    public abstract override string ToString();
}
