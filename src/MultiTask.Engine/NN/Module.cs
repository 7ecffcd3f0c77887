using System.Text;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.NN;

/// <summary>
/// The base of every neural-network layer and model (PyTorch's <c>nn.Module</c>): it owns parameters,
/// buffers and child modules, registered explicitly by name. Layers that map an input to an output
/// derive from <see cref="Module{TInput, TOutput}"/>, which adds <c>Forward</c>.
/// </summary>
/// <remarks>
/// Registration is explicit (<see cref="Register{T}(string, T)"/>, <see cref="Register(string, Parameter)"/>,
/// <see cref="RegisterBuffer"/>), never by reflection, so a field that was not registered is simply not
/// part of the model. Names are dotted as in PyTorch (<c>backbone.0.weight</c>), so state dicts can be
/// exchanged with PyTorch by key.
/// </remarks>
public abstract class Module
{
    private readonly List<KeyValuePair<string, Parameter>> _parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> _buffers = [];
    private readonly List<KeyValuePair<string, Module>> _children = [];

    // The evaluation scope is kept per flow of control (FlowSwitch, async-local), not per thread: the scope
    // belongs to the code that opened it, and that code may await and continue on another thread. A
    // thread-static flag would leave the rest of the scope in training behaviour on the new thread, and
    // disposing it there would leave the first thread (a pool thread that goes on to run unrelated work) in
    // evaluation behaviour for good. An async-local setting follows the continuation, is undone with it, and
    // flows into work started inside the scope (Parallel.For, Task.Run), which belongs to the same inference.
    // Autograd's grad mode is kept the same way, so the two halves of the scope can never disagree.

    /// <summary>
    /// Whether the module is in training mode (the default); see <see cref="Train"/> and <see cref="Eval"/>.
    /// This is the module's own flag, as PyTorch's <c>module.training</c>; <see cref="EvaluationScope"/>
    /// leaves it unchanged, and <see cref="BehavesAsTraining"/> is what mode-dependent layers act on.
    /// </summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>
    /// Whether the calling code is inside an <see cref="EvaluationScope"/> (on this thread, or in the
    /// asynchronous flow that opened the scope).
    /// </summary>
    public static bool IsInEvaluationScope => FlowSwitch<EvaluationModeScope>.IsOn;

    /// <summary>
    /// Whether this module acts as in training right now: it is in training mode (<see cref="IsTraining"/>)
    /// and the calling code is not inside an <see cref="EvaluationScope"/>. Mode-dependent layers (dropout,
    /// batch norm) read this rather than <see cref="IsTraining"/>, and so should user layers.
    /// </summary>
    public bool BehavesAsTraining => IsTraining && !FlowSwitch<EvaluationModeScope>.IsOn;

    /// <summary>
    /// Runs every module in evaluation behaviour, with gradient recording off, until the returned scope is
    /// disposed: <c>using (Module.EvaluationScope()) { ... }</c>. Dropout is the identity and batch norm
    /// normalises with its running statistics and does not update them, as after <see cref="Eval"/>, but no
    /// module's <see cref="IsTraining"/> changes.
    /// </summary>
    /// <remarks>
    /// The scope is local to the calling code: it holds on this thread (and follows an <c>await</c> to
    /// whichever thread continues, and work started inside it), so other threads keep their own behaviour.
    /// This is what lets several threads predict with one model at the same time while another thread's
    /// code still sees the model's own mode, which <c>Eval()</c> followed by <c>Train()</c> cannot do: those
    /// change the shared flag under every thread. Scopes nest; each restores what was in force when it was
    /// opened, also when an exception leaves it.
    /// </remarks>
    /// <returns>The scope; dispose it to restore the previous behaviour and gradient mode.</returns>
    public static EvaluationModeScope EvaluationScope()
    {
        var evaluation = FlowSwitch<EvaluationModeScope>.Set(true);
        return new EvaluationModeScope(evaluation, Differentiation.Autograd.NoGrad());
    }

    /// <summary>Registers <paramref name="module"/> as a child named <paramref name="name"/>.</summary>
    /// <returns>The module, so that registration can be written inline: <c>_fc = Register("fc", new Linear(4, 2));</c>.</returns>
    protected T Register<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        if (ReferenceEquals(module, this)) throw new ArgumentException($"A module cannot be registered as its own child ('{name}').", nameof(module));
        CheckName(name);
        _children.Add(new(name, module));
        return module;
    }

    /// <summary>Registers <paramref name="parameter"/> under <paramref name="name"/>.</summary>
    /// <returns>The parameter.</returns>
    protected Parameter Register(string name, Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        CheckName(name);
        _parameters.Add(new(name, parameter));
        return parameter;
    }

    /// <summary>
    /// Registers a buffer: state that is saved in the <see cref="StateDict"/> but is not a parameter and is
    /// not trained (e.g. batch-norm running statistics). Update it in place so that views stay valid.
    /// </summary>
    /// <returns>The buffer.</returns>
    protected Tensor RegisterBuffer(string name, Tensor buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        CheckName(name);
        _buffers.Add(new(name, buffer));
        return buffer;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A registered name must not be empty.", nameof(name));
        if (name.Contains('.')) throw new ArgumentException($"A registered name must not contain '.', got '{name}'.", nameof(name));
        if (_parameters.Exists(p => p.Key == name) || _buffers.Exists(b => b.Key == name) || _children.Exists(c => c.Key == name))
            throw new ArgumentException($"{GetType().Name} already has a parameter, buffer or child named '{name}'.", nameof(name));
    }

    /// <summary>The direct children, in registration order.</summary>
    public IEnumerable<Module> Children() => _children.Select(c => c.Value);

    /// <summary>The direct children with their names, in registration order.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedChildren() => _children;

    /// <summary>This module and all its descendants, depth first (each module once).</summary>
    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Value);

    /// <summary>This module (named "") and all its descendants with dotted names, depth first (each module once).</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<KeyValuePair<string, Module>>();
        stack.Push(new("", this));
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (!seen.Add(current.Value)) continue;
            yield return current;
            var children = current.Value._children;
            for (int i = children.Count - 1; i >= 0; i--)
                stack.Push(new(Join(current.Key, children[i].Key), children[i].Value));
        }
    }

    /// <summary>The parameters of this module and (when <paramref name="recurse"/>) its descendants; a shared parameter appears once.</summary>
    public IEnumerable<Parameter> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Value);

    /// <summary>The parameters with dotted names (<c>backbone.0.weight</c>); a shared parameter appears once, under its first name.</summary>
    public IEnumerable<KeyValuePair<string, Parameter>> NamedParameters(bool recurse = true)
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [new("", this)])
        {
            foreach (var (name, p) in module._parameters)
            {
                if (seen.Add(p)) yield return new(Join(prefix, name), p);
            }
        }
    }

    /// <summary>The buffers of this module and (when <paramref name="recurse"/>) its descendants.</summary>
    public IEnumerable<Tensor> Buffers(bool recurse = true) => NamedBuffers(recurse).Select(b => b.Value);

    /// <summary>The buffers with dotted names (<c>bn.running_mean</c>).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [new("", this)])
        {
            foreach (var (name, b) in module._buffers)
            {
                if (seen.Add(b)) yield return new(Join(prefix, name), b);
            }
        }
    }

    /// <summary>Sets training mode on this module and every descendant (affects e.g. dropout and batch norm).</summary>
    /// <returns>This module.</returns>
    public Module Train(bool mode = true)
    {
        foreach (var m in Modules()) m.IsTraining = mode;
        return this;
    }

    /// <summary>Sets evaluation mode on this module and every descendant; same as <c>Train(false)</c>.</summary>
    /// <returns>This module.</returns>
    public Module Eval() => Train(false);

    /// <summary>Clears the gradient of every parameter (sets it to null, as PyTorch 2's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.DropGrad();
    }

    /// <summary>Sets <see cref="Tensor.RequiresGrad"/> on every parameter (PyTorch's <c>requires_grad_()</c>).</summary>
    /// <returns>This module.</returns>
    public Module RequireGrad(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>Stops training every parameter of this module: they no longer require grad, so they get no gradient.</summary>
    /// <returns>This module.</returns>
    public Module Freeze() => RequireGrad(false);

    /// <summary>Makes every parameter of this module trainable again.</summary>
    /// <returns>This module.</returns>
    public Module Unfreeze() => RequireGrad(true);

    /// <summary>
    /// Every parameter and buffer by dotted name, in PyTorch's order (a module's parameters, then its
    /// buffers, then each child's entries). A parameter shared under several names appears under each.
    /// </summary>
    /// <remarks>
    /// The values are detached views that share storage with the module, as in PyTorch: they follow
    /// later training steps. Clone them (<c>sd.ToDictionary(kv => kv.Key, kv => kv.Value.Clone())</c>)
    /// to keep a snapshot.
    /// </remarks>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var result = new OrderedDictionary<string, Tensor>();
        foreach (var (name, t) in StateEntries()) result[name] = t.Detach();
        return result;
    }

    private List<KeyValuePair<string, Tensor>> StateEntries()
    {
        var entries = new List<KeyValuePair<string, Tensor>>();
        AddStateEntries("", entries, new HashSet<Module>(ReferenceEqualityComparer.Instance));
        return entries;
    }

    private void AddStateEntries(string prefix, List<KeyValuePair<string, Tensor>> entries, HashSet<Module> visiting)
    {
        if (!visiting.Add(this)) throw new InvalidOperationException($"Module '{prefix}' ({GetType().Name}) contains itself.");
        foreach (var (name, p) in _parameters) entries.Add(new(Join(prefix, name), p));
        foreach (var (name, b) in _buffers) entries.Add(new(Join(prefix, name), b));
        foreach (var (name, child) in _children) child.AddStateEntries(Join(prefix, name), entries, visiting);
        visiting.Remove(this);
    }

    /// <summary>
    /// Copies the values of <paramref name="stateDict"/> into this module's parameters and buffers, in
    /// place (so optimizers that hold the parameters keep working), by dotted name.
    /// </summary>
    /// <param name="stateDict">Name → value, e.g. from <see cref="StateDict"/> or a checkpoint.</param>
    /// <param name="strict">Throw when a key is missing or unexpected (nothing is copied then).</param>
    /// <returns>The keys that did not match.</returns>
    /// <exception cref="ArgumentException">A shape differs (always), or keys do not match in strict mode.</exception>
    public StateDictLoadResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var entries = StateEntries();
        var own = new HashSet<string>(entries.Count);
        var missing = new List<string>();
        foreach (var (name, target) in entries)
        {
            own.Add(name);
            if (!stateDict.TryGetValue(name, out var source)) { missing.Add(name); continue; }
            ArgumentNullException.ThrowIfNull(source, $"stateDict[\"{name}\"]");
            if (!ShapeUtil.SameShape(source.ShapeArray, target.ShapeArray))
                throw new ArgumentException(
                    $"LoadStateDict: size mismatch for '{name}': the state dict has shape {ShapeUtil.Format(source.ShapeArray)}, " +
                    $"the module has shape {ShapeUtil.Format(target.ShapeArray)}.", nameof(stateDict));
        }
        var unexpected = stateDict.Keys.Where(k => !own.Contains(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
        {
            var sb = new StringBuilder($"LoadStateDict: the state dict does not match {GetType().Name}.");
            if (missing.Count > 0) sb.Append(" Missing keys: ").Append(string.Join(", ", missing.Select(k => $"'{k}'"))).Append('.');
            if (unexpected.Count > 0) sb.Append(" Unexpected keys: ").Append(string.Join(", ", unexpected.Select(k => $"'{k}'"))).Append('.');
            sb.Append(" Pass strict: false to load the matching keys only.");
            throw new ArgumentException(sb.ToString(), nameof(stateDict));
        }
        foreach (var (name, target) in entries)
        {
            if (stateDict.TryGetValue(name, out var source) && !ReferenceEquals(source.Data, target.Data))
                source.Data.AsSpan().CopyTo(target.Data);
        }
        return new StateDictLoadResult(missing, unexpected);
    }

    /// <summary>The module's settings shown by <see cref="ToString"/>, e.g. <c>in_features=4, out_features=2</c>.</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>A tree of the module and its children, in PyTorch's format.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(GetType().Name).Append('(').Append(ExtraRepr());
        if (_children.Count > 0)
        {
            sb.AppendLine();
            foreach (var (name, child) in _children)
            {
                var lines = child.ToString().Split('\n');
                sb.Append("  (").Append(name).Append("): ").Append(lines[0]);
                for (int i = 1; i < lines.Length; i++) sb.Append("\n  ").Append(lines[i]);
                sb.AppendLine();
            }
        }
        return sb.Append(')').ToString().Replace("\r", "", StringComparison.Ordinal);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
