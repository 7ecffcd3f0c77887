using System.Collections;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>Applies its modules one after another (PyTorch's <c>nn.Sequential</c>); unnamed modules are named "0", "1", ….</summary>
public sealed class Sequential : Module<Tensor, Tensor>, IEnumerable<Module<Tensor, Tensor>>
{
    private readonly List<Module<Tensor, Tensor>> _modules = [];

    /// <summary>Creates a sequence of <paramref name="modules"/>, named by position.</summary>
    public Sequential(params Module<Tensor, Tensor>[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Appends <paramref name="module"/>, named by its position.</summary>
    /// <returns>This sequence.</returns>
    public Sequential Add(Module<Tensor, Tensor> module) => Add(null, module);

    /// <summary>Appends <paramref name="module"/> under <paramref name="name"/> (default: its position).</summary>
    /// <returns>This sequence.</returns>
    public Sequential Add(string? name, Module<Tensor, Tensor> module)
    {
        Register(name ?? _modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _modules.Add(module);
        return this;
    }

    /// <summary>The number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>The module at <paramref name="index"/>.</summary>
    public Module<Tensor, Tensor> this[int index] => _modules[index];

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var m in _modules) x = m.Forward(x);
        return x;
    }

    /// <inheritdoc />
    public IEnumerator<Module<Tensor, Tensor>> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
