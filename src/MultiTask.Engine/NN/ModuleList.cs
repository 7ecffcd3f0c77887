using System.Collections;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// Holds modules in a list so that they are registered (named "0", "1", …) without being chained
/// (PyTorch's <c>nn.ModuleList</c>); the owner decides how to call them.
/// </summary>
public sealed class ModuleList : Module, IReadOnlyList<Module>
{
    private readonly List<Module> _modules = [];

    /// <summary>Creates a list holding <paramref name="modules"/>.</summary>
    public ModuleList(params Module[] modules) : this((IEnumerable<Module>)modules) { }

    /// <summary>Creates a list holding <paramref name="modules"/>.</summary>
    public ModuleList(IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Appends <paramref name="module"/>.</summary>
    /// <returns>This list.</returns>
    public ModuleList Add(Module module)
    {
        Register(_modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _modules.Add(module);
        return this;
    }

    /// <summary>The number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>The module at <paramref name="index"/>.</summary>
    public Module this[int index] => _modules[index];


    /// <inheritdoc />
    public IEnumerator<Module> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
