using System.Globalization;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Optim;

/// <summary>
/// The base of all optimizers (PyTorch's <c>torch.optim.Optimizer</c>): holds parameter groups and
/// per-parameter state, and updates every parameter that has a gradient in <see cref="Step"/>.
/// </summary>
/// <remarks>
/// A subclass writes two things, as in Keras: <see cref="Build"/> creates a parameter's state the
/// first time it is updated, and <see cref="Update"/> applies the update rule to the raw storage.
/// Parameters whose <see cref="Tensor.Grad"/> is null are skipped and their state is left untouched.
/// </remarks>
public abstract class Optimizer
{
    private readonly List<ParamGroup> _groups = [];
    private readonly Dictionary<Tensor, ParameterState> _state = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> _all = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates an optimizer over <paramref name="groups"/>, filling unset group hyper-parameters from <paramref name="defaults"/>.</summary>
    /// <param name="groups">The parameter groups; at least one, each parameter in only one group.</param>
    /// <param name="defaults">The optimizer's validated default hyper-parameters.</param>
    protected Optimizer(IEnumerable<ParamGroup> groups, OptimizerOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(defaults);
        defaults.Validate();
        Defaults = defaults;
        foreach (var g in groups) AddParamGroup(g);
        if (_groups.Count == 0)
            throw new ArgumentException("The optimizer got an empty list of parameter groups; pass at least one parameter.", nameof(groups));
        if (_all.Count == 0)
            throw new ArgumentException("The optimizer got an empty parameter list; pass the parameters to train (e.g. module.Parameters()).", nameof(groups));
    }

    /// <summary>The default hyper-parameters given at construction.</summary>
    public OptimizerOptions Defaults { get; }

    /// <summary>The parameter groups; change their hyper-parameters (e.g. the learning rate) between steps.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>Which group hyper-parameter is this optimizer's momentum, if any.</summary>
    public virtual MomentumKind MomentumKind => MomentumKind.None;

    /// <summary>The default momentum of new groups (optimizers with momentum override it).</summary>
    protected virtual double DefaultMomentum => 0;

    /// <summary>The default betas of new groups (Adam-like optimizers override it).</summary>
    protected virtual (double Beta1, double Beta2) DefaultBetas => (0.9, 0.999);

    /// <summary>Adds a group (PyTorch's <c>add_param_group</c>), e.g. to train layers unfrozen later.</summary>
    /// <param name="group">The group; unset hyper-parameters take this optimizer's defaults.</param>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (_groups.Contains(group))
            throw new ArgumentException("This parameter group was already added to the optimizer.", nameof(group));
        foreach (var p in group.Parameters)
        {
            if (_all.Contains(p))
                throw new ArgumentException(
                    $"A parameter of shape {ShapeUtil.Format(p.ShapeArray)} appears in more than one parameter group (or twice in one); each parameter may be optimized only once.",
                    nameof(group));
        }
        group.ApplyDefaults(Defaults, DefaultMomentum, DefaultBetas);
        ValidateGroup(group);
        foreach (var p in group.Parameters) _all.Add(p);
        _groups.Add(group);
    }

    /// <summary>Throws when a group's hyper-parameters are invalid for this optimizer.</summary>
    /// <param name="group">The group to check.</param>
    protected virtual void ValidateGroup(ParamGroup group)
    {
    }

    /// <summary>The state of <paramref name="parameter"/>, or null before its first update.</summary>
    /// <param name="parameter">A parameter of this optimizer.</param>
    public ParameterState? GetState(Tensor parameter) => _state.GetValueOrDefault(parameter);

    /// <summary>Updates every parameter that has a gradient, once (PyTorch's <c>optimizer.step()</c>).</summary>
    public void Step()
    {
        using var _ = Autograd.NoGrad();
        foreach (var group in _groups)
        {
            ValidateGroup(group);
            var parameters = group.Parameters;
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                var grad = p.GradValue;
                if (grad is null) continue;
                if (!ShapeUtil.SameShape(grad.ShapeArray, p.ShapeArray))
                    throw new InvalidOperationException(
                        $"The gradient of a parameter of shape {ShapeUtil.Format(p.ShapeArray)} has shape {ShapeUtil.Format(grad.ShapeArray)}; gradients must match their parameter's shape.");
                if (!_state.TryGetValue(p, out var state))
                {
                    state = new ParameterState();
                    Build(p, group, state);
                    _state.Add(p, state);
                }
                state.Step++;
                Update(p, grad, group, state);
            }
        }
    }

    /// <summary>Creates the state of a parameter before its first update (Keras' <c>build</c>).</summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="group">Its group.</param>
    /// <param name="state">The empty state to fill with buffers.</param>
    protected abstract void Build(Tensor parameter, ParamGroup group, ParameterState state);

    /// <summary>Applies the update rule to one parameter in place; <see cref="ParameterState.Step"/> already counts this update.</summary>
    /// <remarks>Runs under no-grad: write to <c>parameter.AsSpan()</c> directly.</remarks>
    /// <param name="parameter">The parameter.</param>
    /// <param name="gradient">Its gradient, shaped like it.</param>
    /// <param name="group">Its group's hyper-parameters.</param>
    /// <param name="state">Its state.</param>
    protected abstract void Update(Tensor parameter, Tensor gradient, ParamGroup group, ParameterState state);

    /// <summary>Clears the gradients of all parameters (PyTorch's <c>zero_grad</c>).</summary>
    /// <param name="setToNone">Set <see cref="Tensor.Grad"/> to null (cheaper, and skipped by the next step) instead of filling it with zeros.</param>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var group in _groups)
        {
            foreach (var p in group.Parameters)
            {
                if (p.GradValue is not { } grad) continue;
                if (setToNone)
                {
                    p.DropGrad();
                }
                else
                {
                    if (grad.GradFn is not null) p.GradValue = grad = grad.Detach();
                    grad.AsSpan().Clear();
                }
            }
        }
    }

    /// <summary>A snapshot of the per-parameter state and group hyper-parameters (copies, not views).</summary>
    public OptimizerStateDict StateDict()
    {
        var dict = new OptimizerStateDict();
        int index = 0;
        for (int g = 0; g < _groups.Count; g++)
        {
            var group = _groups[g];
            string prefix = Key("param_groups", g);
            dict.Values[prefix + "num_params"] = group.Parameters.Count;
            dict.Values[prefix + "lr"] = group.LearningRate;
            dict.Values[prefix + "weight_decay"] = group.WeightDecay;
            dict.Values[prefix + "momentum"] = group.Momentum;
            dict.Values[prefix + "beta1"] = group.Betas.Beta1;
            dict.Values[prefix + "beta2"] = group.Betas.Beta2;
            if (group.InitialLearningRate is { } initial) dict.Values[prefix + "initial_lr"] = initial;
            foreach (var p in group.Parameters)
            {
                if (_state.TryGetValue(p, out var state))
                {
                    string s = Key("state", index);
                    dict.Values[s + "step"] = state.Step;
                    foreach (var (name, buffer) in state.Buffers)
                        dict.Tensors[s + name] = buffer.Clone();
                }
                index++;
            }
        }
        return dict;
    }

    /// <summary>
    /// The names of the per-parameter buffers this optimizer may keep (e.g. Adam's <c>exp_avg</c> and
    /// <c>exp_avg_sq</c>), or null to accept any name. <see cref="LoadStateDict"/> rejects a buffer with
    /// another name: a renamed or foreign buffer would otherwise be kept but never read, and training would
    /// silently restart that moment from zero.
    /// </summary>
    protected virtual IReadOnlyCollection<string>? StateBufferNames => null;

    /// <summary>
    /// Restores a snapshot taken by <see cref="StateDict"/> on an optimizer of the same kind over
    /// parameters of the same shapes, grouped the same way. Every entry is checked first (group count and
    /// sizes, hyper-parameters in range, integral steps, buffer names and shapes): nothing changes when
    /// validation fails.
    /// </summary>
    /// <param name="stateDict">The snapshot; its tensors are copied.</param>
    /// <exception cref="ArgumentException">The snapshot does not fit this optimizer; the message names the entry.</exception>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var flat = _groups.SelectMany(g => g.Parameters.Select(p => (Param: p, Group: g))).ToArray();
        int groupCount = 0;
        while (groupCount <= _groups.Count && stateDict.Values.ContainsKey(Key("param_groups", groupCount) + "lr")) groupCount++;
        if (groupCount != _groups.Count)
            throw new ArgumentException($"The state dict has {(groupCount > _groups.Count ? "more than " + _groups.Count : groupCount)} parameter groups but this optimizer has {_groups.Count}.", nameof(stateDict));
        var hyper = new (double Lr, double WeightDecay, double? Momentum, (double, double)? Betas, double? InitialLr)[_groups.Count];
        for (int g = 0; g < _groups.Count; g++)
        {
            string prefix = Key("param_groups", g);
            int expected = _groups[g].Parameters.Count;
            double got = Required(stateDict, prefix + "num_params");
            if (got != expected)
                throw new ArgumentException($"Parameter group {g} of the state dict has {got} parameters but this optimizer's group {g} has {expected}.", nameof(stateDict));
            double lr = FiniteNonNegative(stateDict, prefix + "lr");
            double wd = FiniteNonNegative(stateDict, prefix + "weight_decay");
            double? momentum = stateDict.Values.ContainsKey(prefix + "momentum") ? FiniteNonNegative(stateDict, prefix + "momentum") : null;
            (double, double)? betas = null;
            if (stateDict.Values.TryGetValue(prefix + "beta1", out double b1) && stateDict.Values.TryGetValue(prefix + "beta2", out double b2))
            {
                if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1))
                    throw new ArgumentException($"'{prefix}beta1' and '{prefix}beta2' are {b1} and {b2}; betas must lie in [0, 1).", nameof(stateDict));
                betas = (b1, b2);
            }
            double? initial = stateDict.Values.ContainsKey(prefix + "initial_lr") ? FiniteNonNegative(stateDict, prefix + "initial_lr") : null;
            hyper[g] = (lr, wd, momentum, betas, initial);
        }

        var states = new Dictionary<int, ParameterState>();
        foreach (var (key, value) in stateDict.Values)
        {
            if (key.StartsWith("param_groups.", StringComparison.Ordinal))
            {
                var parts = key.Split('.', 3);
                if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int g) || g >= _groups.Count
                    || parts[2] is not ("num_params" or "lr" or "weight_decay" or "momentum" or "beta1" or "beta2" or "initial_lr"))
                    throw new ArgumentException($"Unknown state dict value '{key}'; a group has num_params, lr, weight_decay, momentum, beta1, beta2 and initial_lr.", nameof(stateDict));
                continue;
            }
            var (index, name) = ParseStateKey(key, flat.Length);
            if (name != "step")
                throw new ArgumentException($"Unknown state value '{key}'; only 'state.{{p}}.step' is a number.", nameof(stateDict));
            if (!(value >= 0 && value <= long.MaxValue / 2 && value == Math.Floor(value)))
                throw new ArgumentException($"State value '{key}' is {value}; a step count must be a non-negative integer.", nameof(stateDict));
            GetOrNew(states, index).Step = (long)value;
        }
        var known = StateBufferNames;
        foreach (var (key, tensor) in stateDict.Tensors)
        {
            var (index, name) = ParseStateKey(key, flat.Length);
            if (known is not null && !known.Contains(name))
                throw new ArgumentException(
                    $"State tensor '{key}' is not a buffer of {GetType().Name} (its buffers are {string.Join(", ", known.Select(k => $"'{k}'"))}); the state was saved by another optimizer or altered.",
                    nameof(stateDict));
            var p = flat[index].Param;
            if (!tensor.Shape.SequenceEqual(p.Shape))
                throw new ArgumentException(
                    $"State tensor '{key}' has shape {ShapeUtil.Format(tensor.ShapeArray)} but parameter {index} has shape {ShapeUtil.Format(p.ShapeArray)}; was the state saved from a different model?",
                    nameof(stateDict));
            GetOrNew(states, index).SetBuffer(name, tensor.Detach().Clone());
        }
        foreach (var (index, state) in states)
        {
            if (!stateDict.Values.ContainsKey(Key("state", index) + "step"))
                throw new ArgumentException($"The state dict has buffers for parameter {index} but no 'state.{index}.step'.", nameof(stateDict));
        }

        // Build fills in buffers the snapshot lacks (e.g. after switching AMSGrad on) so that Update always finds them.
        var built = new Dictionary<int, ParameterState>();
        foreach (var (index, loaded) in states)
        {
            var (p, group) = flat[index];
            var state = new ParameterState();
            Build(p, group, state);
            foreach (var (name, buffer) in loaded.Buffers) state.SetBuffer(name, buffer);
            state.Step = loaded.Step;
            built[index] = state;
        }

        for (int g = 0; g < _groups.Count; g++)
        {
            var group = _groups[g];
            var (lr, wd, momentum, betas, initial) = hyper[g];
            group.LearningRate = lr;
            group.WeightDecay = wd;
            if (momentum is { } m) group.Momentum = m;
            if (betas is { } b) group.Betas = b;
            group.InitialLearningRate = initial;
        }
        _state.Clear();
        foreach (var (index, state) in built) _state[flat[index].Param] = state;
    }

    private static double FiniteNonNegative(OptimizerStateDict dict, string key)
    {
        double v = Required(dict, key);
        if (!(v >= 0 && double.IsFinite(v)))
            throw new ArgumentException($"The state dict's '{key}' is {v}; it must be finite and non-negative.", "stateDict");
        return v;
    }

    private static ParameterState GetOrNew(Dictionary<int, ParameterState> states, int index)
    {
        if (!states.TryGetValue(index, out var s)) states[index] = s = new ParameterState();
        return s;
    }

    private static double Required(OptimizerStateDict dict, string key) =>
        dict.Values.TryGetValue(key, out double v) ? v : throw new ArgumentException($"The state dict lacks '{key}'.", "stateDict");

    private static (int Index, string Name) ParseStateKey(string key, int parameterCount)
    {
        var parts = key.Split('.', 3);
        if (parts.Length != 3 || parts[0] != "state" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new ArgumentException($"Unrecognized state dict key '{key}'; expected 'state.{{p}}.{{name}}' or 'param_groups.{{g}}.{{name}}'.", "stateDict");
        if (index >= parameterCount)
            throw new ArgumentException($"State dict key '{key}' refers to parameter {index} but this optimizer has {parameterCount} parameters.", "stateDict");
        return (index, parts[2]);
    }

    private static string Key(string section, int index) => string.Create(CultureInfo.InvariantCulture, $"{section}.{index}.");
}
