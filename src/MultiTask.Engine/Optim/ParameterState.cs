using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Optim;

/// <summary>
/// What an optimizer remembers about one parameter between steps (one entry of PyTorch's
/// <c>optimizer.state</c>): the number of updates it received and named buffers such as
/// <c>exp_avg</c>, each shaped like the parameter.
/// </summary>
public sealed class ParameterState
{
    private readonly List<KeyValuePair<string, Tensor>> _buffers = [];

    /// <summary>How many updates the parameter has received (PyTorch's <c>state["step"]</c>).</summary>
    public long Step { get; set; }

    /// <summary>The named buffers, in the order they were added.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Buffers => _buffers;

    /// <summary>The buffer called <paramref name="name"/>.</summary>
    /// <param name="name">The buffer's name, e.g. <c>exp_avg</c>.</param>
    public Tensor this[string name] => TryGetBuffer(name, out var t)
        ? t
        : throw new KeyNotFoundException($"The optimizer state has no buffer '{name}' (it has: {string.Join(", ", _buffers.Select(b => b.Key))}).");

    /// <summary>Looks a buffer up by name.</summary>
    /// <param name="name">The buffer's name.</param>
    /// <param name="buffer">The buffer, or null when absent.</param>
    /// <returns>Whether the buffer exists.</returns>
    public bool TryGetBuffer(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Tensor? buffer)
    {
        foreach (var b in _buffers)
        {
            if (string.Equals(b.Key, name, StringComparison.Ordinal))
            {
                buffer = b.Value;
                return true;
            }
        }
        buffer = null;
        return false;
    }

    /// <summary>Adds a buffer, or replaces the one with the same name.</summary>
    /// <param name="name">The buffer's name.</param>
    /// <param name="value">The buffer (owned by the state from now on).</param>
    /// <returns><paramref name="value"/>.</returns>
    public Tensor SetBuffer(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        for (int i = 0; i < _buffers.Count; i++)
        {
            if (string.Equals(_buffers[i].Key, name, StringComparison.Ordinal))
            {
                _buffers[i] = new(name, value);
                return value;
            }
        }
        _buffers.Add(new(name, value));
        return value;
    }

    /// <summary>The buffer called <paramref name="name"/>, created filled with <paramref name="fill"/> (shaped like <paramref name="parameter"/>) when absent.</summary>
    /// <param name="name">The buffer's name.</param>
    /// <param name="parameter">The parameter whose shape a new buffer takes.</param>
    /// <param name="fill">The initial value of a new buffer.</param>
    public Tensor GetOrAddBuffer(string name, Tensor parameter, float fill = 0f) =>
        TryGetBuffer(name, out var t) ? t : SetBuffer(name, Tensor.FullLike(parameter, fill));
}
