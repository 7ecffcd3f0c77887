using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Data.Streaming;
using MultiTask.Engine.NN;
using MultiTask.Metrics;

namespace MultiTask.Training;

public sealed partial class MultiTaskTrainer
{
    /// <summary>
    /// Trains on streamed data (larger than memory) until <see cref="TrainerOptions.Epochs"/> epochs are complete, a
    /// callback stops training, or <paramref name="cancellationToken"/> is cancelled. Epoch e takes the batches of
    /// <c>train.Epoch(e)</c>, so the loader's seed and buffer, not <see cref="TrainerOptions.BatchSize"/> and
    /// <see cref="TrainerOptions.Seed"/>, decide the batches.
    /// </summary>
    /// <param name="train">The streamed training batches.</param>
    /// <param name="validation">Validation data (in memory, e.g. a held-out file's <see cref="FeatureEncoder.Transform"/>); optional.</param>
    /// <param name="progress">Receives a report after each batch and each epoch; optional.</param>
    /// <param name="cancellationToken">Stops training cleanly between batches.</param>
    /// <param name="resumeFrom">
    /// A checkpoint directory to continue from exactly (see <see cref="LoadCheckpoint"/>). A checkpoint is written at an
    /// epoch end, where the stream's state is the next epoch's number, which the checkpoint holds: resuming with a loader
    /// over the same data, batch size, buffer and seed reproduces the uninterrupted run.
    /// </param>
    /// <returns>The history, why training stopped, the best epoch if early stopping ran, and the final validation metrics.</returns>
    /// <exception cref="ArgumentException">
    /// The data lacks a model task or has another input width; a custom task has no loss; the options ask for what a stream
    /// cannot do here: a task sampler, a validation split (pass validation data instead) or group-robust training.
    /// </exception>
    public TrainingReport FitStreaming(StreamingLoader train, EncodedData? validation = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default, string? resumeFrom = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        int? threads = UseThreads();
        try
        {
            return FitStreamingCore(train, validation, progress, cancellationToken, resumeFrom);
        }
        finally
        {
            RestoreThreads(threads);
        }
    }

    /// <summary>Each model task's mean loss and metrics (in the user's units) over every row of a stream, read a chunk at a time.</summary>
    /// <param name="data">The streamed rows.</param>
    /// <param name="encoder">The encoder fitted on the training rows.</param>
    /// <returns>The per-task evaluation, as <see cref="Evaluate(EncodedData)"/> on the same rows.</returns>
    public EvaluationResult EvaluateStreaming(StreamingDataset data, FeatureEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(encoder);
        int? threads = UseThreads();
        try
        {
            var bindings = TaskBinding.Bind(Model, encoder.Tasks, encoder.Width, encoder.ColumnNames, "evaluation", requireLoss: true);
            using var evaluation = Module.EvaluationScope();
            return EvaluateOutputs(data.Chunks().Select(encoder.Transform), bindings, Options.EvaluationBatchSize, inputs =>
            {
                var outputs = Model.Forward(inputs);
                return bindings.Select(b => (outputs[b.Name], b.ToUserUnits(outputs[b.Name], encoder))).ToArray();
            });
        }
        finally
        {
            RestoreThreads(threads);
        }
    }

    /// <summary>The model's predictions for a stream, one <see cref="TaskOutputs"/> per chunk in source order (see <see cref="Predict(EncodedData)"/>).</summary>
    /// <param name="data">The streamed rows (labels are not needed).</param>
    /// <param name="encoder">The encoder fitted on the training rows.</param>
    public IEnumerable<TaskOutputs> PredictStreaming(StreamingDataset data, FeatureEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(encoder);
        return data.Chunks().Select(chunk => Predict(encoder.Transform(chunk)));
    }

    private TrainingReport FitStreamingCore(StreamingLoader train, EncodedData? validation, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken, string? resumeFrom)
    {
        if (Options.Sampler is not null)
            throw new ArgumentException("A task sampler draws rows per task from the whole data set, which a stream cannot; train on streamed data with joint batches (no TrainerOptions.Sampler).", nameof(train));
        if (Options.GroupDro is not null)
            throw new ArgumentException("Group-robust training needs the group of every row up front; it is not available for streamed data.", nameof(train));
        if (validation is null && Options.ValidationSplit > 0)
            throw new ArgumentException("A validation split holds out rows of in-memory data; for streamed data, pass the held-out rows as validation (e.g. a separate file).", nameof(validation));
        var encoder = train.Encoder;
        var bindings = TaskBinding.Bind(Model, encoder.Tasks, encoder.Width, encoder.ColumnNames, "training", requireLoss: true);
        var validationBindings = BindValidation(validation);
        DescribeTasks(bindings);
        if (resumeFrom is not null)
        {
            LoadCheckpoint(resumeFrom);
            // The stream's epoch is the trainer's; the in-memory loader's generator state has nothing to restore here.
            _restoredLoader = null;
        }

        return RunEpochs(train.Epoch, train.StepsPerEpoch, bindings, validation, validationBindings, progress, cancellationToken);
    }
}
