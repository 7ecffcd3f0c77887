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
