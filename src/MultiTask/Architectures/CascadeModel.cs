using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Architectures;

/// <summary>
/// Task cascades: an inner multi-task model predicts some tasks, and <see cref="TaskDependency">dependencies</see>
/// derive further tasks from their outputs, e.g. p(click ∧ convert | x) = p(click | x)·p(convert | click, x). The
/// inner model is registered as <c>inner</c>, so its parameters are named <c>inner.*</c>; the cascade adds none.
/// </summary>
/// <remarks>
/// <para>Ma et al., "Entire Space Multi-Task Model: An Effective Approach for Estimating Post-Click Conversion Rate",
/// SIGIR 2018 (ESMM). A conversion model trained on clicked impressions only learns p(convert | click, x) where clicks
/// happen and is then applied to every impression: its training rows are a biased sample of where it is used. ESMM
/// keeps the conversion output (cvr) but trains it through the product ctcvr = ctr·cvr, whose labels (clicked and
/// converted) exist on every impression, together with ctr; the conversion estimate thus learns from the entire
/// impression space. Declare it as <c>TaskDependency.Conjunction("ctcvr", parent: "ctr", conditional: "cvr")</c>.
/// Chains follow by using a derived task as a factor: p(a ∧ b ∧ c) = p(a)·p(b | a)·p(c | a, b).</para>
/// <para><b>Outputs.</b> Every task's output is a logit: the inner model's tasks as the inner model outputs them, a
/// derived task as <see cref="TaskDependency.ConjunctionLogit"/> of its factors. <see cref="MultiTaskModel.TaskNames"/>
/// are the outputs; by default the inner tasks then the derived ones. <see cref="ForTasks"/> gives a cascade over the
/// same inner model with fewer outputs, which is how a factor without labels of its own is trained only through the
/// product: ESMM's cvr has no labels on unclicked impressions, so train <c>cascade.ForTasks(["ctr", "ctcvr"])</c> (or
/// the whole cascade with cvr's labels on clicked rows and <c>TaskSpec.Weight = 0</c> to measure it without training
/// it) and predict cvr with the whole cascade.</para>
/// <para><b>Shared and task parameters.</b> A parameter is shared when more than one output's loss reaches it. The inner
/// model's shared parameters stay shared. An inner task's own parameters (its head) are reached by the losses of every
/// output that depends on it: itself when it is an output, and each derived output with it among its factors, directly
/// or through a chain. With one such output they belong to that output (cvr's head belongs to ctcvr when cvr is not an
/// output); with several they are shared (ctr's head is reached by the ctr and ctcvr losses). Derived outputs have no
/// parameters of their own otherwise. Every inner task must be an output or feed one, so that each parameter is
/// reached by some loss. <see cref="LastSharedParameters"/> and <see cref="Penalty"/> are the inner model's.</para>
/// </remarks>
public sealed class CascadeModel : MultiTaskModel
{
    private readonly TaskDependency[] _dependencies;
    private readonly Dictionary<string, TaskDependency> _derived;
    private readonly Dictionary<string, string[]> _users;

    /// <summary>Wraps <paramref name="inner"/> and derives the tasks of <paramref name="dependencies"/> from its outputs.</summary>
    /// <param name="inner">The model of the tasks that are not derived; registered as <c>inner</c>.</param>
    /// <param name="dependencies">The derived tasks; factors may be inner tasks or other derived tasks, in any order.</param>
    /// <param name="outputs">The tasks the cascade outputs, in order (inner or derived); null for the inner tasks then the derived ones.</param>
    /// <exception cref="ArgumentException">
    /// No dependency; a derived task named like an inner task or twice; a factor that is neither an inner nor a derived task;
    /// dependencies that form a cycle; factors of different output widths; an unknown or repeated output; or an inner task
    /// that is neither an output nor a factor of one (its parameters would be trained by no loss).
    /// </exception>
    public CascadeModel(MultiTaskModel inner, IReadOnlyList<TaskDependency> dependencies, IReadOnlyList<string>? outputs = null)
        : this(inner, Plan.Make(inner, dependencies, outputs))
    {
    }

    private CascadeModel(MultiTaskModel inner, Plan plan)
        : base(plan.Outputs, inner.InputSize)
    {
        Inner = Register("inner", inner);
        _dependencies = plan.Dependencies;
        _derived = plan.Dependencies.ToDictionary(d => d.Task, StringComparer.Ordinal);
        _users = plan.Users;
    }

    /// <summary>
    /// Builds the inner model (<see cref="CascadeOptions.Inner"/>, hard sharing by default) for the input's tasks that are
    /// not derived, and the cascade over it.
    /// </summary>
    /// <param name="input">The input width and tasks (<see cref="ModelInput.From"/> for a fitted encoder); the tasks may include derived ones, which are then outputs at their place.</param>
    /// <param name="options">The dependencies and the inner model's builder.</param>
    /// <param name="generator">The seeded source for the inner model's initialisation and dropout.</param>
    /// <returns>The cascade; its outputs are the input's tasks in order, then the derived tasks the input does not list.</returns>
    /// <exception cref="ArgumentException">
    /// Invalid options or dependencies (see the constructor); every input task is derived; or a derived task the input lists
    /// with another output width than its factors'.
    /// </exception>
    public static CascadeModel Create(ModelInput input, CascadeOptions options, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var derived = options.Dependencies.Select(d => d.Task).ToHashSet(StringComparer.Ordinal);
        var baseTasks = input.Tasks.Where(t => !derived.Contains(t.Name)).ToList();
        if (baseTasks.Count == 0)
            throw new ArgumentException(
                $"Every task of the input ({string.Join(", ", input.Tasks.Select(t => $"'{t.Name}'"))}) is derived by a dependency; the input must also list the tasks the inner model predicts.",
                nameof(input));
        var innerInput = input.Encoder is { } encoder
            ? ModelInput.From(encoder, [.. baseTasks.Select(t => t.Name)])
            : new ModelInput(input.InputSize, baseTasks);
        var inner = (options.Inner ?? ((i, g) => HardSharingModel.Create(i, null, g)))(innerInput, generator)
            ?? throw new ArgumentException("CascadeOptions.Inner returned null.", nameof(options));
        var outputs = input.Tasks.Select(t => t.Name).Concat(options.Dependencies.Select(d => d.Task).Where(t => !input.Tasks.Any(i => i.Name == t))).ToList();
        var model = new CascadeModel(inner, options.Dependencies, outputs);
        foreach (var (name, size) in input.Tasks)
        {
            if (model.OutputSize(name) != size)
                throw new ArgumentException(
                    $"Task '{name}' has output size {size} in the input, but the cascade computes it with {model.OutputSize(name)} output(s) from its factors; give the factors the task's width.",
                    nameof(input));
        }
        return model;
    }

    /// <summary>The model of the tasks that are not derived.</summary>
    public MultiTaskModel Inner { get; }

    /// <summary>The derived tasks, in an order in which every factor comes before the tasks it feeds.</summary>
    public IReadOnlyList<TaskDependency> Dependencies => _dependencies;

    /// <summary>Every task the cascade can output: the inner model's tasks, then the derived ones.</summary>
    public IReadOnlyList<string> AllTasks => [.. Inner.TaskNames, .. _dependencies.Select(d => d.Task)];

    /// <summary>
    /// A cascade over the same inner model (so the same <see cref="Parameter"/> objects) with other outputs, e.g. the
    /// tasks that have labels: <c>ForTasks(["ctr", "ctcvr"])</c> trains cvr only through ctcvr, and the whole cascade
    /// then predicts cvr too.
    /// </summary>
    /// <param name="tasks">The outputs, each one of <see cref="AllTasks"/>, in order.</param>
    /// <returns>The new cascade.</returns>
    /// <exception cref="ArgumentException">No task, an unknown or repeated task, or an inner task that none of them needs.</exception>
    public CascadeModel ForTasks(IReadOnlyList<string> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        return new CascadeModel(Inner, _dependencies, tasks);
    }

    /// <summary>The inner model's (see the class remarks).</summary>
    public override IReadOnlyList<Parameter> LastSharedParameters => Inner.LastSharedParameters;

    /// <summary>The inner model's penalty.</summary>
    public override Tensor? Penalty() => Inner.Penalty();

    /// <summary>The inner model's shared parameters and the own parameters of every inner task that more than one output depends on.</summary>
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedSharedParameters() =>
        Prefixed(Inner.NamedSharedParameters())
            .Concat(Inner.TaskNames.Where(t => _users[t].Length > 1).SelectMany(t => Prefixed(Inner.NamedTaskParameters(t))));

    /// <summary>The own parameters of the inner tasks that only <paramref name="task"/> depends on (its own head, or the head of a factor only it reads).</summary>
    /// <exception cref="ArgumentException">Unknown task.</exception>
    public override IEnumerable<KeyValuePair<string, Parameter>> NamedTaskParameters(string task)
    {
        CheckTask(task);
        return Inner.TaskNames.Where(t => _users[t] is [var only] && only == task).SelectMany(t => Prefixed(Inner.NamedTaskParameters(t)));
    }

    /// <inheritdoc />
    public override TaskOutputs Forward(Tensor input)
    {
        var values = new Dictionary<string, Tensor>(Inner.Forward(input), StringComparer.Ordinal);
        return new TaskOutputs(TaskNames.Select(t => KeyValuePair.Create(t, Resolve(t, values))));
    }

    /// <inheritdoc />
    public override Tensor ForwardTask(Tensor inputs, string task)
    {
        CheckTask(task);
        if (!_derived.ContainsKey(task)) return Inner.ForwardTask(inputs, task);
        var values = new Dictionary<string, Tensor>(Inner.Forward(inputs), StringComparer.Ordinal);
        return Resolve(task, values);
    }

    private Tensor Resolve(string task, Dictionary<string, Tensor> values)
    {
        if (values.TryGetValue(task, out var value)) return value;
        var dependency = _derived[task];
        value = TaskDependency.ConjunctionLogit(Resolve(dependency.Parent, values), Resolve(dependency.Conditional, values));
        values[task] = value;
        return value;
    }

    private static IEnumerable<KeyValuePair<string, Parameter>> Prefixed(IEnumerable<KeyValuePair<string, Parameter>> parameters) =>
        parameters.Select(p => KeyValuePair.Create("inner." + p.Key, p.Value));

    /// <summary>The checked dependencies (in topological order), the outputs with their widths, and which outputs each inner task feeds.</summary>
    private sealed record Plan(TaskDependency[] Dependencies, List<(string Name, int OutputSize)> Outputs, Dictionary<string, string[]> Users)
    {
        public static Plan Make(MultiTaskModel inner, IReadOnlyList<TaskDependency> dependencies, IReadOnlyList<string>? outputs)
        {
            ArgumentNullException.ThrowIfNull(inner);
            ArgumentNullException.ThrowIfNull(dependencies);
            if (dependencies.Count == 0)
                throw new ArgumentException("A cascade needs at least one dependency, e.g. TaskDependency.Conjunction(\"ctcvr\", parent: \"ctr\", conditional: \"cvr\").", nameof(dependencies));
            var innerTasks = inner.TaskNames.ToHashSet(StringComparer.Ordinal);
            var byTask = new Dictionary<string, TaskDependency>(StringComparer.Ordinal);
            foreach (var d in dependencies)
            {
                if (d is null) throw new ArgumentException("The dependencies hold a null dependency.", nameof(dependencies));
                if (innerTasks.Contains(d.Task))
                    throw new ArgumentException(
                        $"Derived task '{d.Task}' is also a task of the inner model; a task is either predicted by the inner model or derived, so rename the derived task or build the inner model without it.",
                        nameof(dependencies));
                if (!byTask.TryAdd(d.Task, d))
                    throw new ArgumentException($"Task '{d.Task}' is derived by two dependencies; each derived task has one.", nameof(dependencies));
            }
            string Known() => string.Join(", ", inner.TaskNames.Concat(byTask.Keys).Select(t => $"'{t}'"));
            foreach (var d in dependencies)
            {
                foreach (var factor in new[] { d.Parent, d.Conditional })
                {
                    if (!innerTasks.Contains(factor) && !byTask.ContainsKey(factor))
                        throw new ArgumentException(
                            $"Task '{d.Task}' depends on '{factor}', which is neither a task of the inner model nor a derived task; the known tasks are: {Known()}.",
                            nameof(dependencies));
                }
            }

            // Depth-first, factors before the tasks they feed; a task met again while still on the path closes a cycle.
            var order = new List<TaskDependency>();
            var widths = inner.TaskNames.ToDictionary(t => t, inner.OutputSize, StringComparer.Ordinal);
            var roots = inner.TaskNames.ToDictionary(t => t, t => new[] { t }, StringComparer.Ordinal);
            var path = new List<string>();
            void Visit(string task)
            {
                if (widths.ContainsKey(task)) return;
                if (path.Contains(task))
                    throw new ArgumentException(
                        $"The dependencies form a cycle: {string.Join(" → ", path.SkipWhile(t => t != task).Append(task))}; a derived task cannot depend on itself, directly or through others.",
                        nameof(dependencies));
                path.Add(task);
                var d = byTask[task];
                Visit(d.Parent);
                Visit(d.Conditional);
                path.RemoveAt(path.Count - 1);
                if (widths[d.Parent] != widths[d.Conditional])
                    throw new ArgumentException(
                        $"Task '{d.Task}' multiplies '{d.Parent}' ({widths[d.Parent]} output(s)) by '{d.Conditional}' ({widths[d.Conditional]} output(s)); the factors of a conjunction need the same width.",
                        nameof(dependencies));
                widths[task] = widths[d.Parent];
                roots[task] = [.. roots[d.Parent].Union(roots[d.Conditional]).Distinct()];
                order.Add(d);
            }
            foreach (var d in dependencies) Visit(d.Task);

            var names = outputs ?? [.. inner.TaskNames, .. order.Select(d => d.Task)];
            foreach (var name in names)
            {
                if (name is null || !widths.ContainsKey(name))
                    throw new ArgumentException($"Output '{name}' is not a task of the cascade; the known tasks are: {Known()}.", nameof(outputs));
            }
            var users = inner.TaskNames.ToDictionary(t => t, t => names.Where(o => roots[o].Contains(t)).Distinct().ToArray(), StringComparer.Ordinal);
            if (names.Count > 0 && users.FirstOrDefault(u => u.Value.Length == 0) is { Key: not null } unused)
                throw new ArgumentException(
                    $"Inner task '{unused.Key}' is neither an output of the cascade nor a factor of one, so no loss would train its parameters; " +
                    $"add it or a task derived from it to the outputs ({string.Join(", ", names.Select(n => $"'{n}'"))}), or build the inner model without it.",
                    nameof(outputs));
            // Repeated or missing outputs are reported by the base class, which checks every task list the same way.
            return new Plan([.. order], [.. names.Select(n => (n, widths[n]))], users);
        }
    }
}
