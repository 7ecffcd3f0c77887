using MultiTask.Engine.Tensors;

namespace MultiTask.Weighting;

/// <summary>
/// A snapshot of a <see cref="LossWeighting"/> or a <see cref="WeightingContext"/> that lets training
/// resume exactly: learned weights as tensors, counters and recorded losses as numbers.
/// </summary>
/// <remarks>
/// Numbers are kept as doubles rather than float32 tensors so that losses and seeds round-trip
/// exactly. Tensors are copies, not views: later training steps do not change a snapshot.
/// </remarks>
public sealed class WeightingStateDict
{
    /// <summary>Learned weights and other tensor state, by name.</summary>
    public Dictionary<string, Tensor> Tensors { get; } = new(StringComparer.Ordinal);

    /// <summary>Counters, seeds and recorded losses, by name.</summary>
    public Dictionary<string, double> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether the snapshot holds nothing (the state of a strategy without state).</summary>
    public bool IsEmpty => Tensors.Count == 0 && Values.Count == 0;
}
