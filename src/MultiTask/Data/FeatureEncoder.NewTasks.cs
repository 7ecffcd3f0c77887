using MultiTask.Tasks;

namespace MultiTask.Data;

public sealed partial class FeatureEncoder
{
    /// <summary>
    /// This encoder for another task list: the encoded inputs stay exactly as they are (the same columns, presence
    /// columns and fitted statistics), tasks this encoder knows keep their fitted target transforms, and the target
    /// transforms of new tasks are fitted on <paramref name="train"/>. What a model trained on this encoder's inputs
    /// needs to learn new tasks on the same backbone (transfer, sequential training).
    /// </summary>
    /// <param name="train">
    /// The new tasks' training rows, over this encoder's <see cref="Schema"/>; its task list is the new encoder's (tasks of
    /// this encoder it lists must be the same tasks; the others are new and need labels in it).
    /// </param>
    /// <returns>An encoder over <paramref name="train"/>'s tasks with this encoder's inputs.</returns>
    /// <exception cref="ArgumentException">
    /// The data has another schema; a known task differs from this encoder's; a new task has no labels; or a new task
    /// does not read a feature that this encoder never marks as missing (see remarks).
    /// </exception>
    /// <remarks>
    /// <para><b>The rule.</b> A backbone reads the encoded columns it was trained on, and nothing else. So a new task's
    /// features must be features of this encoder's schema (the schema itself is unchanged), and the encoding must not
    /// change: the feature statistics fitted on the original training rows are kept (new rows are encoded relative to
    /// them, as any later data is), and no column is added or removed. A feature that every original task reads and that
    /// was never missing in training has no presence column: the backbone was never shown it missing. A new task must
    /// therefore list every such feature (its rows then carry values for it); omitting one is an error that names the
    /// task and the feature, rather than a silent 0 in that column.</para>
    /// <para><b>Targets.</b> A new regression task in a <see cref="TaskSpec.TargetGroup"/> this encoder already has takes
    /// the group's fitted transform, so it predicts on the same scale as the tasks it joins; any other new task is fitted
    /// on its labels in <paramref name="train"/> (with the other new tasks of its group).</para>
    /// </remarks>
    public FeatureEncoder WithTasks(MultiTaskDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (!train.Schema.SameAs(Schema))
            throw new ArgumentException(
                $"The data's schema {train.Schema} differs from the encoder's {Schema}; a model trained on this encoder reads exactly its columns, " +
                "so build the new tasks' data with the encoder's schema (e.g. predictor.Schema).", nameof(train));
        TaskSpec[] tasks = [.. train.Tasks];
        var fitted = (FittedTargetTransform?[]?)null;
        var transforms = new FittedTargetTransform?[tasks.Length];
        for (int t = 0; t < tasks.Length; t++)
        {
            var spec = tasks[t];
            int known = Array.FindIndex(_tasks, o => o.Name == spec.Name);
            if (known >= 0)
            {
                var old = _tasks[known];
                if (!MultiTaskDataset.SameTasks([old], [spec]) || old.TargetTransform != spec.TargetTransform || old.TargetGroup != spec.TargetGroup)
                    throw new ArgumentException(
                        $"Task '{spec.Name}' is a task of the encoder, but the data describes it differently ({spec.Kind}, target transform {spec.TargetTransform}, group '{spec.TargetGroup}'; " +
                        $"the encoder has {old.Kind}, {old.TargetTransform}, group '{old.TargetGroup}'); pass the encoder's own task spec, or give the new task another name.", nameof(train));
                transforms[t] = _targetTransforms[known];
                continue;
            }
            foreach (var feature in spec.Features)
            {
                if (!Schema.Contains(feature))
                    throw new ArgumentException(
                        $"New task '{spec.Name}' reads feature '{feature}', which is not among the encoder's features ({string.Join(", ", Schema.Names)}); a backbone can only read the columns it was trained on.",
                        nameof(train));
            }
            if (train.LabelCount(spec.Name) == 0)
                throw new ArgumentException(
                    $"New task '{spec.Name}' has no labels in the data ({train.RowCount} rows), so its target statistics cannot be fitted; pass its labelled training rows.", nameof(train));
            int sameGroup = spec.TargetGroup is { } group ? Array.FindIndex(_tasks, o => o.TargetGroup == group) : -1;
            if (sameGroup >= 0)
            {
                // Joining a group keeps the group's scale: its tasks' outputs (and heads) mean the same thing.
                transforms[t] = _targetTransforms[sameGroup];
                continue;
            }
            fitted ??= FitTargets(train, tasks);
            transforms[t] = fitted[t];
        }

        var hasPresence = _blocks.Select(b => b.HasPresence).ToArray();
        var encoder = new FeatureEncoder(Schema, tasks, _numerics, hasPresence, transforms);
        for (int f = 0; f < Schema.Count; f++)
        {
            if (encoder._blocks[f].HasPresence == _blocks[f].HasPresence) continue;
            string feature = Schema.Features[f].Name;
            var omitting = tasks.First(t => !t.Features.Contains(feature));
            throw new ArgumentException(
                $"Task '{omitting.Name}' does not read feature '{feature}', but the encoder has no presence column for '{feature}': every task it was fitted for reads it " +
                "and it was never missing, so the backbone was never shown it missing. List it among the task's features (its rows must then have values for it); " +
                "the encoded inputs cannot change under a trained backbone.", nameof(train));
        }
        return encoder;
    }

    /// <summary>Whether <paramref name="other"/> encodes inputs exactly as this encoder does (the same columns and fitted statistics).</summary>
    internal bool SameInputs(FeatureEncoder other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (!Schema.SameAs(other.Schema) || !ColumnNames.SequenceEqual(other.ColumnNames, StringComparer.Ordinal)) return false;
        for (int f = 0; f < _numerics.Length; f++)
        {
            var (a, b) = (_numerics[f], other._numerics[f]);
            if (ReferenceEquals(a, b)) continue;
            if (a is null || b is null || a.Options != b.Options || a.Scaling != b.Scaling
                || !(a.Quantiles ?? []).SequenceEqual(b.Quantiles ?? []) || !(a.Edges ?? []).SequenceEqual(b.Edges ?? []))
                return false;
        }
        return true;
    }

    /// <summary>Whether <paramref name="task"/> has the same target encoding here and in <paramref name="other"/>.</summary>
    internal bool SameTargets(string task, FeatureEncoder other)
    {
        int a = Array.FindIndex(_tasks, t => t.Name == task), b = Array.FindIndex(other._tasks, t => t.Name == task);
        if (a < 0 || b < 0 || !MultiTaskDataset.SameTasks([_tasks[a]], [other._tasks[b]])) return false;
        var (x, y) = (_targetTransforms[a], other._targetTransforms[b]);
        if (ReferenceEquals(x, y)) return true;
        return x is not null && y is not null && x.Kind == y.Kind && x.Standardization == y.Standardization && x.Group == y.Group
            && (x.Lambda == y.Lambda || double.IsNaN(x.Lambda) && double.IsNaN(y.Lambda));
    }
}
