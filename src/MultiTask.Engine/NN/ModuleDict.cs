using System.Collections;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// Holds modules by name, in insertion order, so that they are registered under those names
/// (PyTorch's <c>nn.ModuleDict</c>), e.g. one head per task.
/// </summary>
public sealed class ModuleDict : Module, IReadOnlyDictionary<string, Module>
{
    private readonly OrderedDictionary<string, Module> _modules = new(StringComparer.Ordinal);

    /// <summary>Creates an empty dictionary.</summary>
    public ModuleDict() { }

    /// <summary>Creates a dictionary holding <paramref name="modules"/> in order.</summary>
    public ModuleDict(IEnumerable<KeyValuePair<string, Module>> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var (name, m) in modules) Add(name, m);
    }

    /// <summary>Adds <paramref name="module"/> under <paramref name="name"/> (which must be new and contain no '.').</summary>
    /// <returns>This dictionary.</returns>
    public ModuleDict Add(string name, Module module)
    {
        Register(name, module);
        _modules.Add(name, module);
        return this;
    }

    /// <summary>The module named <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No module has that name.</exception>
    public Module this[string key] => _modules.TryGetValue(key, out var m) ? m
        : throw new KeyNotFoundException($"ModuleDict has no module named '{key}' (it has: {string.Join(", ", _modules.Keys)}).");

    /// <summary>The names, in insertion order.</summary>
    public IEnumerable<string> Keys => _modules.Keys;

    /// <summary>The modules, in insertion order.</summary>
    public IEnumerable<Module> Values => _modules.Values;

    /// <summary>The number of modules.</summary>
    public int Count => _modules.Count;

    /// <inheritdoc />
    public bool ContainsKey(string key) => _modules.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Module value) => _modules.TryGetValue(key, out value);


    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, Module>> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
