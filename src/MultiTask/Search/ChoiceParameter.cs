using MultiTask.Engine.Tensors;

namespace MultiTask.Search;

/// <summary>A categorical parameter: one of a list of values, each equally likely; a fixed value is a choice of one.</summary>
internal sealed class ChoiceParameter<T> : SearchParameter
{
    private readonly object?[] _values;
    private readonly bool _fixed;

    public ChoiceParameter(string name, IReadOnlyList<T> values, bool isFixed) : base(name)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
            throw new ArgumentException($"Choice parameter '{name}' has no values; give at least one.", nameof(values));
        _values = values.Select(v => (object?)v).ToArray();
        for (int i = 1; i < _values.Length; i++)
            if (Array.FindIndex(_values, 0, i, v => Equals(v, _values[i])) >= 0)
                throw new ArgumentException(
                    $"Choice parameter '{name}' lists {ValueText.Format(_values[i], false)} twice, which would make it twice as likely. " +
                    "If you meant one array as a single option, a lone array is read as the list of options: write Choice<int[]>(name, [16, 16], [32, 32]) or Fixed(name, array).",
                    nameof(values));
        _fixed = isFixed;
    }

    public override Type ValueType => typeof(T);

    public override IReadOnlyList<object?>? GridValues => _values;

    public override object? Sample(Generator generator) =>
        _values.Length == 1 ? _values[0] : _values[(int)generator.NextInt64(0, _values.Length)];

    internal override string Label(object? value, bool roundTrip)
    {
        string text = ValueText.Format(value, roundTrip);
        // Values without a readable text (two factory delegates, say) are told apart by their position.
        if (_values.Count(v => ValueText.Format(v, roundTrip) == text) < 2) return text;
        int index = Array.FindIndex(_values, v => ReferenceEquals(v, value) || Equals(v, value));
        return $"{text} #{index + 1}";
    }

    public override string ToString() => _fixed
        ? $"{Name} = {ValueText.Format(_values[0], false)}"
        : $"{Name} ∈ {{{string.Join(", ", _values.Select(v => Label(v, false)))}}}";
}
