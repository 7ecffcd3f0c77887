using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// Builds task heads the way the built-in architectures do: an MLP of hidden layers
/// (<see cref="MlpOptions"/>) ending in a plain output <see cref="Linear"/> of the task's output width,
/// or a user head in its place. Use it in architectures of your own so their heads match the built-ins'.
/// </summary>
public static class TaskHeads
{
    /// <summary>One MLP head: the hidden layers of <paramref name="hidden"/>, then an output Linear.</summary>
    /// <param name="inputSize">The width the head reads.</param>
    /// <param name="outputSize">The task's output width.</param>
    /// <param name="hidden">The hidden widths before the output layer; empty for a single Linear.</param>
    /// <param name="options">Activation, layer norm and dropout of the hidden layers (null: the defaults).</param>
    /// <param name="generator">The seeded source for initialisation and dropout.</param>
    /// <returns>The head, its modules named "0", "1", … as in PyTorch.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive width.</exception>
    public static Sequential Mlp(int inputSize, int outputSize, IReadOnlyList<int>? hidden = null, MlpOptions? options = null, Generator? generator = null) =>
        (options ?? new MlpOptions()).Build(inputSize, hidden ?? [], outputSize, generator);

    /// <summary>
    /// One head per task, in task order: the user head of <paramref name="customHeads"/> where there is one,
    /// an MLP head (<see cref="Mlp"/>) otherwise.
    /// </summary>
    /// <param name="tasks">Each task's name and output width.</param>
    /// <param name="inputSize">The width every head reads.</param>
    /// <param name="hidden">The MLP heads' hidden widths.</param>
    /// <param name="options">Activation, layer norm and dropout of the MLP heads' hidden layers.</param>
    /// <param name="customHeads">User heads by task name; each reads [batch, inputSize] and returns [batch, outputSize].</param>
    /// <param name="generator">The seeded source for initialisation (MLP heads in task order).</param>
    /// <returns>(name, output width, head) per task.</returns>
    /// <exception cref="ArgumentException">A custom head for a name that is not a task.</exception>
    public static List<(string Name, int OutputSize, Module<Tensor, Tensor> Head)> Build(IReadOnlyList<(string Name, int OutputSize)> tasks,
        int inputSize, IReadOnlyList<int>? hidden = null, MlpOptions? options = null,
        IReadOnlyDictionary<string, Module<Tensor, Tensor>>? customHeads = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (customHeads is not null)
        {
            foreach (var name in customHeads.Keys)
            {
                if (!tasks.Any(t => t.Name == name))
                    throw new ArgumentException($"customHeads has a head for '{name}', which is not a task; the tasks are: {string.Join(", ", tasks.Select(t => $"'{t.Name}'"))}.", nameof(customHeads));
            }
        }
        var heads = new List<(string, int, Module<Tensor, Tensor>)>();
        foreach (var (name, size) in tasks)
        {
            var module = customHeads is not null && customHeads.TryGetValue(name, out var custom) ? custom
                : Mlp(inputSize, size, hidden, options, generator);
            heads.Add((name, size, module));
        }
        return heads;
    }
}
