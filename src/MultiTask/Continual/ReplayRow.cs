using MultiTask.Data;

namespace MultiTask.Continual;

/// <summary>One training row kept by a <see cref="ReplayBuffer"/>: its encoded inputs and its labels for the tasks it was added for.</summary>
public sealed class ReplayRow
{
    private readonly float[] _inputs;
    private readonly Dictionary<string, float[]> _targets;

    internal ReplayRow(long index, int sourceRow, FeatureEncoder encoder, float[] inputs, Dictionary<string, float[]> targets)
    {
        Index = index;
        SourceRow = sourceRow;
        Encoder = encoder;
        _inputs = inputs;
        _targets = targets;
    }

    /// <summary>The row's position in the stream of every row offered to the buffer (0 for the first).</summary>
    public long Index { get; }

    /// <summary>The row's index in the <see cref="EncodedData"/> it was added from.</summary>
    public int SourceRow { get; }

    /// <summary>The encoder of the data it came from (its inputs and targets are in that encoding).</summary>
    public FeatureEncoder Encoder { get; }

    /// <summary>The tasks the row is labelled for, among those it was added for.</summary>
    public IReadOnlyCollection<string> Tasks => _targets.Keys;

    /// <summary>The encoded inputs (a copy).</summary>
    public float[] Inputs() => (float[])_inputs.Clone();

    /// <summary>The encoded target of <paramref name="task"/> (a copy).</summary>
    /// <exception cref="KeyNotFoundException">The row has no label for the task.</exception>
    public float[] Target(string task) => _targets.TryGetValue(task, out var y) ? (float[])y.Clone()
        : throw new KeyNotFoundException($"The row has no label for task '{task}'; it is labelled for: {string.Join(", ", _targets.Keys)}.");

    internal ReadOnlySpan<float> InputSpan => _inputs;

    internal bool TryGetTarget(string task, out float[] target) => _targets.TryGetValue(task, out target!);
}
