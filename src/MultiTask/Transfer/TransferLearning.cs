using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Saving;

namespace MultiTask.Transfer;

/// <summary>
/// Adds tasks to a trained hard-sharing model: new heads on its trained shared part, for data it has not seen. Fine-tune the
/// result with <see cref="FineTuning"/> (new heads first with the shared part frozen, then everything at a lower rate).
/// </summary>
/// <remarks>
/// <para>Yosinski, Clune, Bengio &amp; Lipson, "How transferable are features in deep neural networks?", NeurIPS 2014; the
/// two stages are Howard &amp; Ruder's gradual unfreezing with discriminative learning rates ("Universal Language Model
/// Fine-tuning for Text Classification", ACL 2018) in their simplest form.</para>
/// <para><b>Shared, not copied.</b> The returned model holds the source's modules themselves (the same
/// <see cref="Parameter"/> objects), so that it is one model for every task: with the shared part frozen the source tasks'
/// predictions cannot move, and after unfreezing old and new tasks move together and are saved together. To keep the
/// source unchanged, transfer from a copy: <see cref="ModelFile.LoadModel"/> builds a new one on every call.</para>
/// </remarks>
public static class TransferLearning
{
    /// <summary>Adds the tasks of <paramref name="train"/> that <paramref name="source"/> lacks, as new heads on its backbone.</summary>
    /// <param name="source">The trained model; a <see cref="HardSharingModel"/>.</param>
    /// <param name="sourceEncoder">The encoder the source was trained with.</param>
    /// <param name="train">
    /// The new tasks' training rows over <paramref name="sourceEncoder"/>'s schema. Its task list says what the new model
    /// predicts: tasks of the source that it lists keep their heads, the others are new (the encoder rule is that of
    /// <see cref="FeatureEncoder.WithTasks"/>).
    /// </param>
    /// <param name="options">How to build the new heads (default: one <c>Linear</c> each).</param>
    /// <param name="generator">The seeded source for the new heads' initialisation.</param>
    /// <returns>The model over the kept and new tasks, in training mode with every parameter trainable, and its encoder.</returns>
    /// <exception cref="ArgumentException">
    /// The source is not a hard-sharing model or does not read the encoder's width; the data has no new task; a new task
    /// breaks the encoder rule; a new task's output size does not fit the source's shared head or shared wide path; a custom
    /// head names no new task.
    /// </exception>
    /// <remarks>
    /// A new MLP head's output layer starts at zero (<see cref="TransferOptions.ZeroOutputLayer"/>, and always on a source
    /// with residual heads, whose new tasks then start from the shared head's pooled prediction); a source with per-task
    /// wide heads gives each new task a zero wide head. The source's tasks that <paramref name="train"/> does not list are
    /// left out of the new model (their heads stay in the source).
    /// </remarks>
    public static TransferredModel AddTasks(MultiTaskModel source, FeatureEncoder sourceEncoder, MultiTaskDataset train,
        TransferOptions? options = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sourceEncoder);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new TransferOptions();
        options.Mlp.Validate();
        if (source is not HardSharingModel hard)
            throw new ArgumentException(
                $"Transfer adds heads on a trained shared backbone, but the source is a {source.GetType().Name}, which has none; train a HardSharingModel (MultiTaskModel.HardSharing).",
                nameof(source));
        if (hard.InputSize is int width && width != sourceEncoder.Width)
            throw new ArgumentException(
                $"The source model reads {width} input columns but the encoder produces {sourceEncoder.Width}; pass the encoder the model was trained with.", nameof(sourceEncoder));

        var encoder = sourceEncoder.WithTasks(train);
        var kept = encoder.Tasks.Select(t => t.Name).Where(t => hard.TaskNames.Contains(t, StringComparer.Ordinal)).ToArray();
        var added = encoder.Tasks.Where(t => !hard.TaskNames.Contains(t.Name, StringComparer.Ordinal)).ToArray();
        if (added.Length == 0)
            throw new ArgumentException(
                $"The data has no new task: its tasks ({string.Join(", ", encoder.Tasks.Select(t => $"'{t.Name}'"))}) are all tasks of the source; add the new tasks to its task list.",
                nameof(train));
        if (options.CustomHeads?.Keys.FirstOrDefault(k => !added.Any(t => t.Name == k)) is { } stray)
            throw new ArgumentException(
                $"TransferOptions.CustomHeads has a head for '{stray}', which is not a new task ({string.Join(", ", added.Select(t => $"'{t.Name}'"))}).", nameof(options));

        // A new wide head reads what the source's wide heads read.
        var sourceWide = hard.TaskNames.Select(hard.WideHead).FirstOrDefault(h => h is not null);
        var heads = new List<(string, int, Module<Tensor, Tensor>)>();
        Dictionary<string, Linear>? wide = sourceWide is not null ? new(StringComparer.Ordinal) : null;
        foreach (var task in added)
        {
            Module<Tensor, Tensor> head;
            if (options.CustomHeads is not null && options.CustomHeads.TryGetValue(task.Name, out var custom))
            {
                head = custom;
            }
            else
            {
                var mlp = options.Mlp.Build(hard.BackboneOutputSize, options.Head, task.OutputSize, generator);
                // As the factory's residual heads: with a shared head, the new task starts from its pooled prediction.
                if (options.ZeroOutputLayer || hard.SharedHead is not null) ZeroLinear((Linear)mlp[mlp.Count - 1]);
                head = mlp;
            }
            heads.Add((task.Name, task.OutputSize, head));
            if (wide is not null)
            {
                var linear = new Linear(sourceWide!.InFeatures, task.OutputSize);
                ZeroLinear(linear);
                wide[task.Name] = linear;
            }
        }

        var model = kept.Length > 0
            ? hard.ForTasks(kept).WithTasks(heads, wide)
            : new HardSharingModel(hard.Backbone, hard.BackboneOutputSize, heads, hard.InputSize, hard.SharedHead, hard.Wide, wide, hard.WideColumns);
        model.Train();
        model.RequireGrad(true);
        return new TransferredModel(model, encoder, kept, [.. added.Select(t => t.Name)]);
    }

    /// <summary>Adds tasks to a model read back from a file (see <see cref="AddTasks(MultiTaskModel, FeatureEncoder, MultiTaskDataset, TransferOptions, Generator)"/>).</summary>
    /// <param name="source">The model and encoder from <see cref="ModelFile.LoadModel"/>.</param>
    /// <param name="train">The new tasks' training rows over the source encoder's schema (e.g. built with <c>source.Encoder.Schema</c>).</param>
    /// <param name="options">How to build the new heads.</param>
    /// <param name="generator">The seeded source for the new heads' initialisation.</param>
    /// <returns>The model over the kept and new tasks, and its encoder.</returns>
    public static TransferredModel AddTasks(SavedModel source, MultiTaskDataset train, TransferOptions? options = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return AddTasks(source.Model, source.Encoder, train, options, generator);
    }

    private static void ZeroLinear(Linear linear)
    {
        Init.Zeros(linear.Weight);
        if (linear.Bias is not null) Init.Zeros(linear.Bias);
    }
}
