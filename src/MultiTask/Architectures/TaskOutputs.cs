using System.Collections;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// The outputs of one forward pass of a <see cref="MultiTaskModel"/>: one tensor of shape
/// [batch, <see cref="MultiTaskModel.OutputSize"/>] per task, in the model's task order.
/// </summary>
public sealed class TaskOutputs : IReadOnlyDictionary<string, Tensor>
{
    private readonly OrderedDictionary<string, Tensor> _outputs = new(StringComparer.Ordinal);

    /// <summary>Creates the outputs from task name → tensor pairs, kept in the given order.</summary>
    /// <param name="outputs">The pairs; names must be unique.</param>
    /// <exception cref="ArgumentException">A name repeats or a tensor is null.</exception>
    public TaskOutputs(IEnumerable<KeyValuePair<string, Tensor>> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        foreach (var (name, tensor) in outputs)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(outputs));
            if (tensor is null) throw new ArgumentException($"The output of task '{name}' is null.", nameof(outputs));
            if (!_outputs.TryAdd(name, tensor))
                throw new ArgumentException($"Task '{name}' appears twice in the outputs; task names must be unique.", nameof(outputs));
        }
    }

    /// <summary>The output of <paramref name="task"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is no such task; the message lists the known ones.</exception>
    public Tensor this[string task]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(task);
            return _outputs.TryGetValue(task, out var t) ? t
                : throw new KeyNotFoundException($"There is no output for task '{task}'; the tasks are: {string.Join(", ", _outputs.Keys.Select(k => $"'{k}'"))}.");
        }
    }

    /// <summary>The task names, in model order.</summary>
    public IReadOnlyList<string> TaskNames => _outputs.Keys.ToList();

    /// <inheritdoc />
    public IEnumerable<string> Keys => _outputs.Keys;

    /// <inheritdoc />
    public IEnumerable<Tensor> Values => _outputs.Values;

    /// <inheritdoc />
    public int Count => _outputs.Count;

    /// <inheritdoc />
    public bool ContainsKey(string key) => _outputs.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Tensor value) => _outputs.TryGetValue(key, out value);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _outputs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
