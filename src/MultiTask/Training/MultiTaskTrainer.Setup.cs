using MultiTask.Data;
using MultiTask.Engine;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

namespace MultiTask.Training;

public sealed partial class MultiTaskTrainer
{
    /// <summary>
    /// The optimizer's groups: the default group (parameters no entry selects, with the optimizer's settings), then
    /// one group per <see cref="TrainerOptions.ParameterGroups"/> entry; each parameter joins the first entry that selects it.
    /// </summary>
    private List<ParamGroup> BuildParamGroups()
    {
        var entries = Options.ParameterGroups;
        if (entries.Count == 0) return [new ParamGroup(_trainable)];
        var selections = entries.Select(Select).ToArray();
        var members = entries.Select(_ => new List<Tensor>()).ToArray();
        var rest = new List<Tensor>();
        foreach (var p in _trainable)
        {
            int g = Array.FindIndex(selections, s => s.Contains(p));
            (g < 0 ? rest : members[g]).Add(p);
        }
        var groups = new List<ParamGroup> { new(rest) };
        for (int i = 0; i < entries.Count; i++)
            groups.Add(new ParamGroup(members[i], learningRate: entries[i].LearningRate, weightDecay: entries[i].WeightDecay));
        return groups;
    }

    private HashSet<Tensor> Select(ParameterGroupOptions entry, int index)
    {
        IEnumerable<Tensor> selected;
        if (entry.Prefix is { } prefix)
        {
            var found = Model.NamedParameters().Where(p => HasPrefix(p.Key, prefix)).Select(p => (Tensor)p.Value).ToList();
            if (found.Count == 0)
            {
                var blocks = Model.NamedModules().Where(m => m.Key.Length > 0 && m.Value.Parameters().Any()).Select(m => m.Key).Take(40);
                throw new ArgumentException(
                    $"TrainerOptions.ParameterGroups[{index}] selects parameters under '{prefix}', but no parameter of {Model.GetType().Name} is named '{prefix}' or starts with '{prefix}.'; " +
                    $"its blocks are: {string.Join(", ", blocks)}.", "options");
            }
            selected = found;
        }
        else if (entry.Role == ParameterRole.Shared)
        {
            selected = Model.NamedSharedParameters().Select(p => (Tensor)p.Value);
        }
        else if (entry.Role == ParameterRole.Task)
        {
            if (entry.Task is { } task && !Model.TaskNames.Contains(task, StringComparer.Ordinal))
                throw new ArgumentException(
                    $"TrainerOptions.ParameterGroups[{index}] selects the parameters of task '{task}', which the model does not have; its tasks are {string.Join(", ", Model.TaskNames.Select(t => $"'{t}'"))}.",
                    "options");
            selected = (entry.Task is { } one ? [one] : Model.TaskNames).SelectMany(t => Model.NamedTaskParameters(t).Select(p => (Tensor)p.Value));
        }
        else
        {
            selected = Options.Weighting.Parameters();
        }
        var set = new HashSet<Tensor>(selected, ReferenceEqualityComparer.Instance);
        if (set.Count == 0)
            throw new ArgumentException(
                $"TrainerOptions.ParameterGroups[{index}] ({entry}) selects no parameter: " +
                (entry.Role == ParameterRole.Weighting ? $"{Options.Weighting.GetType().Name} learns no weights." : $"{Model.GetType().Name} has none of that role.") +
                " Remove the entry.", "options");
        return set;
    }

    private static bool HasPrefix(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) && (name.Length == prefix.Length || name[prefix.Length] == '.');

    /// <summary>Splits <paramref name="train"/> into training and held-out validation rows (cached, so a later <see cref="Fit"/> on the same data continues on the same rows).</summary>
    private (EncodedData Train, EncodedData Validation) HoldOut(EncodedData train, TaskBinding[] bindings)
    {
        if (_split is { } cached && ReferenceEquals(cached.Source, train)) return (cached.Train, cached.Validation);
        var heldOut = ValidationSplitter.HeldOutRows(train, bindings.Select(b => b.DataIndex).ToArray(), Options.ValidationSplit, Options.Seed);
        if (heldOut.Length == 0)
            throw new ArgumentException(
                $"ValidationSplit = {Options.ValidationSplit} holds out no row of the {train.RowCount} training rows: every task has too few labels " +
                $"({string.Join(", ", bindings.Select(b => $"'{b.Name}': {train.LabelCount(b.DataIndex)}"))}) to spare one. Pass validation data, raise the split, or set it to 0.",
                nameof(train));
        var (kept, validation) = ValidationSplitter.Split(train, heldOut);
        _split = (train, kept, validation);
        return (kept, validation);
    }

    /// <summary>Applies <see cref="TrainerOptions.MaxThreads"/> on the calling thread; returns the setting to restore, or null when unchanged.</summary>
    private int? UseThreads()
    {
        if (Options.MaxThreads is not int threads) return null;
        int previous = EngineOptions.MaxThreads;
        EngineOptions.MaxThreads = threads;
        return previous;
    }

    private static void RestoreThreads(int? previous)
    {
        if (previous is int threads) EngineOptions.MaxThreads = threads;
    }

    /// <summary>The model's tasks bound to the validation data, or null without validation data.</summary>
    private TaskBinding[]? BindValidation(EncodedData? validation)
    {
        if (validation is null) return null;
        if (validation.RowCount == 0)
            throw new ArgumentException("The validation data has no rows; pass null for no validation.", nameof(validation));
        return TaskBinding.Bind(Model, validation, "validation");
    }

    // Strategies whose formula depends on a task's kind or loss (uncertainty weighting) read them from the context.
    private void DescribeTasks(TaskBinding[] bindings) =>
        WeightingContext.DescribeTasks([.. bindings.Select(b => b.Spec.Kind)], [.. bindings.Select(b => (MultiTask.Engine.Losses.Loss?)b.Loss)]);
}
