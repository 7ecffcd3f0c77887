using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>Restores a strategy's single learned tensor from a snapshot, in place.</summary>
internal static class LearnedState
{
    public static void Load(WeightingStateDict stateDict, string key, Tensor target, string strategy)
    {
        var unexpected = stateDict.Tensors.Keys.Where(k => k != key).Concat(stateDict.Values.Keys).ToList();
        if (unexpected.Count > 0)
            throw new ArgumentException(
                $"{strategy} state has unexpected entries {string.Join(", ", unexpected.Select(k => $"'{k}'"))}; it was taken from another strategy.",
                nameof(stateDict));
        if (!stateDict.Tensors.TryGetValue(key, out var source))
            throw new ArgumentException($"{strategy} state has no '{key}' tensor; pass a snapshot from {strategy}.StateDict().", nameof(stateDict));
        if (!source.Shape.SequenceEqual(target.Shape))
            throw new ArgumentException(
                $"{strategy} state '{key}' has shape [{string.Join(", ", source.Shape)}] but this strategy has [{string.Join(", ", target.Shape)}]; it was saved for a different number of tasks.",
                nameof(stateDict));
        source.AsSpan().CopyTo(target.AsSpan());
    }
}

/// <summary>Checks and reads a strategy snapshot with several entries, before anything is restored.</summary>
internal sealed class StateReader
{
    private readonly WeightingStateDict _state;
    private readonly string _strategy;

    public StateReader(WeightingStateDict state, string strategy, IEnumerable<string> tensors, Func<string, bool> isValue)
    {
        _state = state;
        _strategy = strategy;
        var expected = tensors.ToHashSet(StringComparer.Ordinal);
        var unexpected = state.Tensors.Keys.Where(k => !expected.Contains(k)).Concat(state.Values.Keys.Where(k => !isValue(k))).ToList();
        if (unexpected.Count > 0)
            throw new ArgumentException(
                $"{strategy} state has unexpected entries {string.Join(", ", unexpected.Take(10).Select(k => $"'{k}'"))}; it was taken from another strategy or for other tasks.",
                nameof(state));
        foreach (var key in expected)
        {
            if (!state.Tensors.ContainsKey(key))
                throw new ArgumentException($"{strategy} state has no '{key}' tensor; pass a snapshot from {strategy}.StateDict().", nameof(state));
        }
    }

    /// <summary>The tensor <paramref name="key"/>, checked to have <paramref name="shape"/> and finite values.</summary>
    public float[] Tensor(string key, params int[] shape)
    {
        var source = _state.Tensors[key];
        if (!source.Shape.SequenceEqual(shape))
            throw new ArgumentException(
                $"{_strategy} state '{key}' has shape [{string.Join(", ", source.Shape)}] but this strategy needs [{string.Join(", ", shape)}]; it was saved for other tasks or another model.",
                "stateDict");
        var values = source.ToArray();
        if (Array.Exists(values, v => !float.IsFinite(v)))
            throw new ArgumentException($"{_strategy} state '{key}' holds a NaN or infinite value; the snapshot is damaged.", "stateDict");
        return values;
    }

    /// <summary>The value <paramref name="key"/>, or <paramref name="fallback"/> when absent; must be finite.</summary>
    public double Value(string key, double? fallback = null)
    {
        if (!_state.Values.TryGetValue(key, out double v))
            return fallback ?? throw new ArgumentException($"{_strategy} state has no '{key}' value; pass a snapshot from {_strategy}.StateDict().", "stateDict");
        if (!double.IsFinite(v))
            throw new ArgumentException($"{_strategy} state '{key}' is {v}; the snapshot is damaged.", "stateDict");
        return v;
    }

    /// <summary>The value <paramref name="key"/> as a non-negative integer of at most <paramref name="max"/>.</summary>
    public long Count(string key, long max)
    {
        double v = Value(key);
        if (!(v >= 0 && v <= max && v == Math.Floor(v)))
            throw new ArgumentException($"{_strategy} state '{key}' is {v}; it must be an integer from 0 to {max}.", "stateDict");
        return (long)v;
    }
}
