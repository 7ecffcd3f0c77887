using System.Collections;
using MultiTask.Engine.Tensors;
using Primitives = System.Numerics.Tensors.TensorPrimitives;

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
        if (!Differentiation.Autograd.IsGradEnabled && _modules.Count > 1) return ForwardWithoutGraph(input, resultToScratch: false).Result;
        var x = input;
        bool fresh = false;   // x was made in this call by a layer that returns new storage
        for (int i = 0; i < _modules.Count; i++)
        {
            var m = _modules[i];
            Tensor next;
            // A Linear whose output only the next ReLU reads becomes one operation with the activation in place.
            if (m is Linear linear && i + 1 < _modules.Count && _modules[i + 1] is Relu)
            {
                next = linear.ForwardRelu(x);
                i++;
            }
            else
            {
                next = m.Forward(x);
            }
            // An intermediate result read only by one of the engine's own layers (which keep no reference to it) is dead
            // once backward has freed the operations that recorded it: its storage is reused.
            if (fresh && MakesNewStorage(m)) x.ReleaseAfterBackward();
            fresh = MakesNewStorage(m);
            x = next;
        }
        return x;
    }

    /// <summary>Layers that return new storage and keep no reference to their input.</summary>
    private static bool MakesNewStorage(Module<Tensor, Tensor> module) => module is Linear or Relu or Sigmoid or Tanh;

    /// <summary>
    /// Runs the network and hands its output to <paramref name="consume"/>, which must not keep it: without a graph the
    /// output may live in a reused buffer that is reclaimed when <paramref name="consume"/> returns, which spares a large
    /// batch a fresh array (e.g. a backbone whose output only the heads read).
    /// </summary>
    /// <typeparam name="TResult">What <paramref name="consume"/> makes of the output.</typeparam>
    /// <param name="input">The network's input.</param>
    /// <param name="consume">Reads the output; its result must not reference the output tensor or share its storage.</param>
    /// <returns>The result of <paramref name="consume"/>.</returns>
    public TResult ForwardScoped<TResult>(Tensor input, Func<Tensor, TResult> consume)
    {
        ArgumentNullException.ThrowIfNull(consume);
        if (Differentiation.Autograd.IsGradEnabled || _modules.Count == 0) return consume(Forward(input));
        var (output, scratch) = ForwardWithoutGraph(input, resultToScratch: true);
        try
        {
            return consume(output);
        }
        finally
        {
            if (scratch is not null) ScratchBuffers.Return(scratch);
        }
    }

    // Without a graph nothing keeps an intermediate result once the next layer has read it, so inside each run of
    // Linear layers and ReLU/Sigmoid/Tanh activations every Linear but the run's last writes into a reused scratch
    // array and the activations work in place on results of this call. The run's last Linear allocates as usual: its
    // result leaves the run, to another module or to the caller. Other modules run as they are, on fresh tensors only.
    private (Tensor Result, float[]? Scratch) ForwardWithoutGraph(Tensor input, bool resultToScratch)
    {
        var x = input;
        bool owned = false;          // x was created in this call, so no one else holds it
        float[]? scratch = null;     // the scratch array x lives in, if any
        for (int i = 0; i < _modules.Count; i++)
        {
            var m = _modules[i];
            // With resultToScratch the caller reclaims the output, so a run that reaches the end keeps its last Linear in scratch too.
            if (m is Linear linear && x.Rank > 0 && x.Shape[^1] == linear.InFeatures && (!RunEndsAt(i) || (resultToScratch && RunReachesEnd(i))))
            {
                var next = Tensor.Linear(x, linear.Weight, linear.Bias);
                if (scratch is not null) ScratchBuffers.Return(scratch);
                (x, scratch, owned) = (next, next.Data, true);
            }
            else if (owned && HasInPlaceForm(m))
            {
                ActivateInPlace(x, m);
            }
            else
            {
                var next = m.Forward(x);
                if (scratch is not null) ScratchBuffers.Return(scratch);
                // Linear and the activations return new tensors; any other module might return one it keeps.
                (x, scratch, owned) = (next, null, m is Linear || HasInPlaceForm(m));
            }
        }
        return (x, scratch);
    }

    private static bool HasInPlaceForm(Module<Tensor, Tensor> module) => module is Relu or Sigmoid or Tanh;

    // Only on results created in this call, which no one else holds.
    private static void ActivateInPlace(Tensor x, Module<Tensor, Tensor> activation)
    {
        switch (activation)
        {
            case Relu: Primitives.Max(x.Data, 0f, x.Data); break;
            case Sigmoid: Primitives.Sigmoid(x.Data, x.Data); break;
            case Tanh: Primitives.Tanh(x.Data, x.Data); break;
            default: throw new ArgumentException($"{activation.GetType().Name} has no in-place form.", nameof(activation));
        }
    }

    // Whether every module after i is a Linear or an activation with an in-place form.
    private bool RunReachesEnd(int i)
    {
        for (int j = i + 1; j < _modules.Count; j++)
            if (_modules[j] is not Linear && !HasInPlaceForm(_modules[j])) return false;
        return true;
    }

    // Whether module i is the last Linear of its run: no Linear follows before a module that is neither a Linear
    // nor an activation with an in-place form, or before the end.
    private bool RunEndsAt(int i)
    {
        for (int j = i + 1; j < _modules.Count; j++)
        {
            if (_modules[j] is Linear) return false;
            if (!HasInPlaceForm(_modules[j])) return true;
        }
        return true;
    }

    /// <inheritdoc />
    public IEnumerator<Module<Tensor, Tensor>> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
