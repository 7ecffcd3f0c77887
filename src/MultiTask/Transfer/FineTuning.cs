using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Training;

namespace MultiTask.Transfer;

/// <summary>
/// Two-stage fine-tuning of a model whose shared part is already trained: stage 1 trains the task parameters with the shared
/// parameters frozen; stage 2 unfreezes them and trains everything, the shared parameters at a lower learning rate.
/// </summary>
/// <remarks>
/// <para>Why two stages: new heads start random (or at zero), so their first gradients are large and mostly noise; passed
/// into a trained backbone, they would overwrite features learned from much more data before the heads have learned to use
/// them. Training the heads first, then the backbone slowly, keeps those features (Howard &amp; Ruder, ACL 2018).</para>
/// <para>It is one <see cref="MultiTaskTrainer"/> with the library's own pieces: a <see cref="ParameterGroupOptions"/>
/// entry giving <see cref="ParameterRole.Shared"/> the lower rate, and an <see cref="UnfreezeShared"/> callback switching
/// the stage; the history, early stopping, schedules and checkpoints cover both stages.</para>
/// </remarks>
public static class FineTuning
{
    /// <summary>Builds the trainer of both stages and freezes the model's shared parameters (stage 1).</summary>
    /// <param name="model">
    /// The model to fine-tune, e.g. <see cref="TransferredModel.NewTasksModel"/>: every task of it needs labels in the
    /// training data, and its shared parameters are those frozen in stage 1.
    /// </param>
    /// <param name="options">
    /// The trainer's options. Its <see cref="TrainerOptions.Epochs"/> is replaced by the stages' total; an entry for the shared
    /// parameters is put first in <see cref="TrainerOptions.ParameterGroups"/> (so it wins over the caller's own entries for
    /// them) and the <see cref="UnfreezeShared"/> callback first in <see cref="TrainerOptions.Callbacks"/>.
    /// </param>
    /// <param name="fineTuning">The stages (default: 20 frozen epochs, 20 unfrozen at a tenth of the rate).</param>
    /// <returns>The trainer; call <see cref="MultiTaskTrainer.Fit"/>.</returns>
    /// <exception cref="ArgumentException">The model has no shared parameters, or invalid options.</exception>
    public static MultiTaskTrainer CreateTrainer(MultiTaskModel model, TrainerOptions options, FineTuningOptions? fineTuning = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        fineTuning ??= new FineTuningOptions();
        fineTuning.Validate();
        if (model.SharedParameters().Count == 0)
            throw new ArgumentException(
                $"Fine-tuning freezes and then unfreezes the shared parameters, but the {model.GetType().Name} has none; train it with a MultiTaskTrainer directly.", nameof(model));
        List<ParameterGroupOptions> groups = [.. options.ParameterGroups];
        List<Callback> callbacks = [.. options.Callbacks];
        if (fineTuning.UnfrozenEpochs > 0)
        {
            groups.Insert(0, new ParameterGroupOptions(ParameterRole.Shared) { LearningRate = options.Optimizer.LearningRate * fineTuning.SharedLearningRateFactor });
            callbacks.Insert(0, new UnfreezeShared(fineTuning.FrozenEpochs));
        }
        var trainer = new MultiTaskTrainer(model, options with
        {
            Epochs = fineTuning.FrozenEpochs + fineTuning.UnfrozenEpochs,
            ParameterGroups = groups,
            Callbacks = callbacks,
        });
        // Frozen once the options are known to be valid, so that a refused trainer leaves the model as it was.
        model.FreezeShared();
        return trainer;
    }

    /// <summary>Fine-tunes <paramref name="model"/> in two stages (see <see cref="CreateTrainer"/>) and returns the report of both.</summary>
    /// <param name="model">The model to fine-tune (its tasks all labelled in <paramref name="train"/>).</param>
    /// <param name="train">The training data.</param>
    /// <param name="validation">Validation data, or null (<see cref="TrainerOptions.ValidationSplit"/> may hold some out instead).</param>
    /// <param name="options">The trainer's options (see <see cref="CreateTrainer"/> for what is replaced).</param>
    /// <param name="fineTuning">The stages.</param>
    /// <returns>The report; its history has one record per epoch of both stages.</returns>
    public static TrainingReport Fit(MultiTaskModel model, EncodedData train, EncodedData? validation, TrainerOptions options,
        FineTuningOptions? fineTuning = null) =>
        CreateTrainer(model, options, fineTuning).Fit(train, validation);
}
