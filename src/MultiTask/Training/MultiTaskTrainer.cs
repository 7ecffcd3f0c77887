using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;
using MultiTask.Weighting;

namespace MultiTask.Training;

/// <summary>
/// Trains a <see cref="MultiTaskModel"/> on several tasks at once: a Keras-style loop that calls callbacks.
/// </summary>
/// <remarks>
/// <para>Per batch: forward → each present task's loss with the label mask as per-element weight (a task
/// without labels in the batch passes null and is skipped) → <see cref="LossWeighting.Backward"/> on the
/// losses plus the regularisation and the model's <see cref="MultiTaskModel.Penalty"/> → optional gradient
/// clipping → optimizer step → <see cref="LossWeighting.AfterOptimizerStep"/>. Per epoch: average losses
/// per task (weighted by label counts) fed to the weighting context, validation losses and metrics in the
/// user's units, the sampler updated, an <see cref="EpochRecord"/> for the callbacks.</para>
/// <para>The trainer holds the run's state (optimizer, weighting context, history, random streams), so a
/// later <see cref="Fit"/> continues up to <see cref="TrainerOptions.Epochs"/> and
/// <see cref="SaveCheckpoint"/> can capture it at any epoch end. It never inspects which weighting,
/// sampler or callback it holds.</para>
/// </remarks>
public sealed partial class MultiTaskTrainer
{
    private readonly History _history = new();
    private readonly Generator _loaderGenerator;
    private readonly List<Dictionary<string, double>> _samplerUpdates = [];
    private readonly List<Tensor> _trainable;
    private DataLoader? _loader;
    private long _globalStep;
    private (EncodedData Source, EncodedData Train, EncodedData Validation)? _split;

    /// <summary>Creates a trainer; builds the optimizer over the model's parameters and the weighting's learned weights.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="options">The options (default: <c>new TrainerOptions()</c>).</param>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="InvalidOperationException">The weighting strategy is already bound to another trainer (options reused without a new strategy).</exception>
    public MultiTaskTrainer(MultiTaskModel model, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Options = options ?? new TrainerOptions();
        Options.Validate();
        WeightingContext = new WeightingContext(model.TaskNames, model.SharedParameters(),
            model.LastSharedParameters.Count > 0 ? model.LastSharedParameters : null) { Seed = Options.Seed };
        // Gradient-space strategies average their per-task gradients over the ranks through the context.
        WeightingContext.ProcessGroup = Options.ProcessGroup;
        Options.Weighting.Initialize(WeightingContext);
        _trainable = [.. model.Parameters(), .. Options.Weighting.Parameters()];
        Optimizer = Options.Optimizer.Create(BuildParamGroups());
        _loaderGenerator = new Generator(Options.Seed);
    }

    /// <summary>The model being trained.</summary>
    public MultiTaskModel Model { get; }

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>
    /// The optimizer over the model's parameters and the weighting's learned weights: group 0 holds the parameters
    /// no <see cref="TrainerOptions.ParameterGroups"/> entry selects, then one group per entry, in order.
    /// </summary>
    public Optimizer Optimizer { get; }

    /// <summary>
    /// The weighting context (task names, shared parameters, step, initial and per-epoch losses); each task's kind and
    /// loss are recorded in it when <see cref="Fit"/> binds the training data.
    /// </summary>
    public WeightingContext WeightingContext { get; }

    /// <summary>The record of every finished epoch.</summary>
    public History History => _history;

    /// <summary>The number of finished epochs (including epochs restored from a checkpoint).</summary>
    public int EpochsCompleted => _history.Records.Count;

    /// <summary>
    /// Trains until <see cref="TrainerOptions.Epochs"/> epochs are complete, a callback stops training, or
    /// <paramref name="cancellationToken"/> is cancelled (checked between batches; the report then says
    /// <see cref="TrainingStopReason.Cancelled"/>).
    /// </summary>
    /// <param name="train">The training data (its tasks must include the model's tasks).</param>
    /// <param name="validation">
    /// Validation data for <c>val_*</c> losses, metrics, early stopping and the dynamic sampler; optional. Without it,
    /// <see cref="TrainerOptions.ValidationSplit"/> &gt; 0 holds out part of <paramref name="train"/> instead.
    /// </param>
    /// <param name="progress">Receives a report after each batch and each epoch; optional.</param>
    /// <param name="cancellationToken">Stops training cleanly between batches.</param>
    /// <param name="resumeFrom">A checkpoint directory to continue from exactly (see <see cref="LoadCheckpoint"/>); optional.</param>
    /// <returns>The history, why training stopped, the best epoch if early stopping ran, and the final validation metrics.</returns>
    /// <exception cref="ArgumentException">The data has no rows or labels, lacks a model task, or has another input width; a custom task has no loss.</exception>
    /// <exception cref="TrainingDivergedException">
    /// A task loss became NaN or infinite (with <see cref="TrainerOptions.TerminateOnNonFinite"/>; with a task sampler this includes
    /// the validation losses it is updated with), or the weighting strategy computed a non-finite weight.
    /// </exception>
    /// <exception cref="InvalidDataException">
    /// The checkpoint in <paramref name="resumeFrom"/> is damaged (see <see cref="LoadCheckpoint"/>), or, with a task sampler, replaying the
    /// training data and the sampler's updates does not reach a loaded checkpoint's data-loader state (the file was altered, or the data,
    /// batch size or seed differ).
    /// </exception>
    public TrainingReport Fit(EncodedData train, EncodedData? validation = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default, string? resumeFrom = null)
    {
        int? threads = UseThreads();
        try
        {
            return FitCore(train, validation, progress, cancellationToken, resumeFrom);
        }
        finally
        {
            RestoreThreads(threads);
        }
    }

    private TrainingReport FitCore(EncodedData train, EncodedData? validation, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken, string? resumeFrom)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.RowCount == 0)
            throw new ArgumentException("The training data has no rows; pass a non-empty training split.", nameof(train));
        var bindings = TaskBinding.Bind(Model, train, "training");
        if (bindings.FirstOrDefault(b => train.LabelCount(b.DataIndex) == 0) is { } unlabelled)
            throw new ArgumentException(
                $"Task '{unlabelled.Name}' has no labels in the training data ({train.RowCount} rows); give it labelled training rows, or build the model without it (a model may use a subset of the data's tasks).",
                nameof(train));
        if (validation is null && Options.ValidationSplit > 0)
        {
            (train, validation) = HoldOut(train, bindings);
            bindings = TaskBinding.Bind(Model, train, "training");
        }
        Options.GroupDro?.Bind(this, train, bindings);
        var validationBindings = BindValidation(validation);
        DescribeTasks(bindings);
        if (resumeFrom is not null) LoadCheckpoint(resumeFrom);

        var loader = PrepareLoader(train);
        SynchronizeRanks(loader);
        return RunEpochs(_ => loader.Epoch(), loader.StepsPerEpoch, bindings, validation, validationBindings, progress, cancellationToken);
    }

    /// <summary>
    /// The epochs of a fit, from the callbacks' start to the report, over each epoch's batches (in-memory or streamed).
    /// </summary>
    private TrainingReport RunEpochs(Func<int, IEnumerable<Batch>> epochBatches, int stepsPerEpoch, TaskBinding[] bindings, EncodedData? validation,
        TaskBinding[]? validationBindings, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var callbacks = new List<Callback> { _history };
        if (Options.TerminateOnNonFinite) callbacks.Add(new TerminateOnNonFinite());
        if (progress is not null) callbacks.Add(new ProgressCallback(progress));
        callbacks.AddRange(Options.Callbacks);
        var context = new TrainingContext(this, _history.Records, validation is not null, MonitorKeys(bindings, validation, validationBindings, out var unavailable),
            stepsPerEpoch, unavailable)
        {
            Epoch = EpochsCompleted,
            GlobalStep = _globalStep,
        };
        foreach (var callback in callbacks) callback.OnTrainBegin(context);
        ApplyPendingState();

        var stopReason = TrainingStopReason.Completed;
        string? stopMessage = null;
        for (int epoch = EpochsCompleted; epoch < Options.Epochs; epoch++)
        {
            context.Epoch = epoch;
            WeightingContext.Epoch = epoch;
            if (IsCancelled(cancellationToken) || !RunEpoch(epoch, epochBatches(epoch), bindings, validation, validationBindings, callbacks, context, cancellationToken))
            {
                stopReason = TrainingStopReason.Cancelled;
                stopMessage = $"cancelled during epoch {epoch}; {EpochsCompleted} epochs completed";
                break;
            }
            if (context.StopReason is { } reason)
            {
                stopReason = reason;
                stopMessage = context.StopMessage;
                break;
            }
        }
        foreach (var callback in callbacks) callback.OnTrainEnd(context);
        var finalValidation = validation is null ? null : Evaluate(validation);
        return new TrainingReport(_history.Records.ToList(), stopReason, stopMessage, context.BestMonitor, context.BestEpoch, context.BestValue, finalValidation,
            [.. context.Diagnostics]);
    }

    /// <summary>Each model task's mean loss and metrics (in the user's units) on <paramref name="data"/>, in evaluation mode.</summary>
    /// <param name="data">Encoded data whose tasks include the model's tasks.</param>
    /// <returns>The per-task evaluation.</returns>
    /// <exception cref="ArgumentException">The data lacks a model task or has another input width; a custom task has no loss.</exception>
    public EvaluationResult Evaluate(EncodedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int? threads = UseThreads();
        try
        {
            return EvaluateCore(data, TaskBinding.Bind(Model, data, "evaluation"));
        }
        finally
        {
            RestoreThreads(threads);
        }
    }

    /// <summary>
    /// The model's predictions for every row of <paramref name="data"/> in the user's units: regression values
    /// (de-standardised), probabilities for binary and multilabel tasks (sigmoid), class probabilities for
    /// multiclass tasks (softmax), raw outputs for custom tasks. Each tensor is [rows, output size].
    /// </summary>
    /// <param name="data">Encoded data (labels are not needed).</param>
    /// <returns>Per task, the predictions.</returns>
    /// <exception cref="ArgumentException">An encoded input is not finite (a raw value too far outside the training range for float32).</exception>
    public TaskOutputs Predict(EncodedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        // A raw value far outside the training range (e.g. 1e300 for a feature whose standard deviation is 1)
        // encodes to a float infinity, which would silently poison that row's predictions.
        RequireFinite(data.Features, data.Encoder, nameof(data),
            "The raw value is too far outside the training range to encode as a float32; fix or drop that value.");
        return PredictCore(data.Features, data.Encoder, TaskBinding.Bind(Model, data, "prediction", requireLoss: false));
    }

    private static void RequireFinite(Tensor inputs, FeatureEncoder encoder, string parameter, string fix)
    {
        var values = inputs.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new ArgumentException(
                    $"Input row {i / encoder.Width}, column '{encoder.ColumnNames[i % encoder.Width]}' is {values[i]}. {fix}", parameter);
        }
    }

    /// <summary>As <see cref="Predict(EncodedData)"/> for an already encoded input matrix [rows, encoder.Width].</summary>
    /// <param name="inputs">The encoded inputs.</param>
    /// <param name="encoder">The encoder that produced them (for the tasks and the inverse target transform).</param>
    /// <returns>Per task, the predictions in the user's units.</returns>
    public TaskOutputs Predict(Tensor inputs, FeatureEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(encoder);
        if (inputs.Rank != 2 || inputs.Shape[1] != encoder.Width)
            throw new ArgumentException(
                $"The inputs have shape [{string.Join(", ", inputs.Shape)}] but the encoder produces [rows, {encoder.Width}]; encode the rows with encoder.Transform.",
                nameof(inputs));
        // Encoder.Transform turns missing values into 0 with a presence flag, so a NaN or infinity here was
        // put in by hand and would silently poison every prediction.
        RequireFinite(inputs, encoder, nameof(inputs),
            "Encoded inputs must be finite: encode raw rows with encoder.Transform, which turns missing values into 0 with a presence flag.");
        return PredictCore(inputs, encoder, TaskBinding.Bind(Model, encoder.Tasks, encoder.Width, encoder.ColumnNames, "prediction", requireLoss: false));
    }

    private bool RunEpoch(int epoch, IEnumerable<Batch> batches, TaskBinding[] bindings, EncodedData? validation, TaskBinding[]? validationBindings,
        List<Callback> callbacks, TrainingContext context, CancellationToken cancellationToken)
    {
        foreach (var callback in callbacks) callback.OnEpochBegin(context);
        Model.Train();
        int taskCount = bindings.Length;
        var lossSum = new double[taskCount];
        var labels = new long[taskCount];
        var weightSum = new double[taskCount];
        var weightSteps = new int[taskCount];
        double objectiveSum = 0, learningRate = Optimizer.ParamGroups[0].LearningRate;
        int steps = 0, skipped = 0, batchIndex = 0;
        foreach (var globalBatch in batches)
        {
            if (IsCancelledBeforeStep(cancellationToken)) return false;
            // With several processes, this rank's shard of the global batch (MultiTaskTrainer.Distributed.cs).
            var batch = Shard(globalBatch);
            context.CurrentBatch = new TrainingBatch(batch, bindings, Model, epoch, batchIndex, _globalStep);
            foreach (var callback in callbacks) callback.OnBatchBegin(context);
            Optimizer.ZeroGrad();
            var outputs = batch.Size > 0 ? Model.Forward(batch.Inputs) : null;
            var taskLosses = TaskLosses(batch, outputs, bindings, cancellationToken);
            var losses = new Tensor?[taskCount];
            var trained = new bool[taskCount];
            var values = new double[taskCount];
            var counts = new int[taskCount];
            var lossView = new OrderedDictionary<string, double>(StringComparer.Ordinal);
            var countView = new OrderedDictionary<string, int>(StringComparer.Ordinal);
            bool finite = true;
            for (int i = 0; i < taskCount; i++)
            {
                var b = bindings[i];
                if (taskLosses[i] is not var (loss, value, count)) continue;
                values[i] = value;
                counts[i] = count;
                lossView[b.Name] = values[i];
                countView[b.Name] = counts[i];
                if (!double.IsFinite(values[i]))
                {
                    finite = false;
                    continue;
                }
                trained[i] = true;
                // The reported loss stays the plain mean; group-robust training trains on its weighted group losses.
                var trainedLoss = Options.GroupDro is { } groupDro ? groupDro.Loss(i, b, outputs![b.Name], batch) : loss;
                // TaskSpec.Weight scales the loss the strategy sees; a task of weight 0 is measured but not trained.
                double staticWeight = b.Spec.Weight;
                losses[i] = staticWeight == 1.0 ? trainedLoss : staticWeight == 0 ? null : trainedLoss * (float)staticWeight;
            }

            BatchResult result;
            long step = _globalStep;
            if (!finite || lossView.Count == 0)
            {
                // Nothing to learn from (no labels) or nothing trustworthy (a non-finite loss): no step.
                if (!finite) skipped++;
                result = new BatchResult(epoch, batchIndex, step, lossView, countView, new Dictionary<string, double>(), double.NaN, false);
            }
            else
            {
                WeightingContext.ExtraObjective = ExtraObjective();
                var weighting = Options.Weighting.Backward(losses, WeightingContext);
                AverageGradients();
                if (Options.GradientClipNorm is double clip) GradClip.ClipGradNorm(_trainable, clip);
                Optimizer.Step();
                Options.Weighting.AfterOptimizerStep(WeightingContext);
                WeightingContext.Step++;
                steps++;
                objectiveSum += weighting.Objective;
                var weightView = new OrderedDictionary<string, double>(StringComparer.Ordinal);
                for (int i = 0; i < taskCount; i++)
                {
                    if (!trained[i]) continue;
                    lossSum[i] += values[i] * counts[i];
                    labels[i] += counts[i];
                    double effective = weighting.Weights[i] * bindings[i].Spec.Weight;
                    weightSum[i] += effective;
                    weightSteps[i]++;
                    weightView[bindings[i].Name] = effective;
                }
                result = new BatchResult(epoch, batchIndex, step, lossView, countView, weightView, weighting.Objective, true);
            }
            _globalStep++;
            context.GlobalStep = _globalStep;
            context.LastBatch = result;
            foreach (var callback in callbacks) callback.OnBatchEnd(context);
            batchIndex++;
        }

        var record = new OrderedDictionary<string, double>(StringComparer.Ordinal);
        var averages = new double?[taskCount];
        double total = 0;
        for (int i = 0; i < taskCount; i++)
        {
            if (labels[i] == 0) continue;
            averages[i] = lossSum[i] / labels[i];
            total += averages[i]!.Value;
        }
        // An epoch whose every batch was skipped (non-finite losses with TerminateOnNonFinite off) measured
        // nothing; 0 would read as a perfect epoch to early stopping and to the user.
        record["loss"] = Array.Exists(averages, a => a is not null) ? total : double.NaN;
        for (int i = 0; i < taskCount; i++)
            if (averages[i] is double a) record["loss." + bindings[i].Name] = a;
        if (steps > 0) record["objective"] = objectiveSum / steps;
        WeightingContext.RecordEpochLosses(averages);
        Options.Weighting.OnEpochEnd(WeightingContext);

        Dictionary<string, double> samplerLosses;
        if (validation is not null)
        {
            var evaluation = EvaluateCore(validation, validationBindings!);
            record["val_loss"] = evaluation.Loss;
            record["val_loss_mean"] = evaluation.MeanLoss;
            foreach (var t in evaluation.Tasks.Values)
                if (t.LabelCount > 0) record["val_loss." + t.Task] = t.Loss;
            foreach (var t in evaluation.Tasks.Values)
                if (t.LabelCount > 0)
                    foreach (var (name, v) in t.Metrics) record[t.Task + "." + name] = v;
            samplerLosses = evaluation.Tasks.Values.Where(t => t.LabelCount > 0).ToDictionary(t => t.Task, t => t.Loss, StringComparer.Ordinal);
        }
        else
        {
            samplerLosses = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int i = 0; i < taskCount; i++)
                if (averages[i] is double a) samplerLosses[bindings[i].Name] = a;
        }
        if (Options.Sampler is { } sampler)
        {
            // The last step of the epoch can leave the model non-finite while every batch loss was finite; the sampler
            // cannot take that validation loss, and it is the same divergence a non-finite batch loss would be.
            if (Options.TerminateOnNonFinite && samplerLosses.FirstOrDefault(kv => !double.IsFinite(kv.Value)) is { Key: { } diverged } bad)
                throw new TrainingDivergedException($"the validation loss of task '{diverged}'", diverged, bad.Value, epoch, _globalStep - 1);
            sampler.Update(samplerLosses);
            _samplerUpdates.Add(samplerLosses);
        }
        for (int i = 0; i < taskCount; i++)
            if (weightSteps[i] > 0) record["weight." + bindings[i].Name] = weightSum[i] / weightSteps[i];
        record["lr"] = learningRate;
        record["steps"] = steps;
        record["skipped_steps"] = skipped;

        context.LastEpoch = new EpochRecord(epoch, record);
        foreach (var callback in callbacks) callback.OnEpochEnd(context);
        foreach (var directory in context.CheckpointRequests) SaveCheckpoint(directory);
        context.ClearCheckpointRequests();
        return true;
    }

    private Tensor? ExtraObjective()
    {
        Tensor? extra = Options.Regularization?.Penalty(Model);
        if (Model.Penalty() is { } penalty) extra = extra is null ? penalty : extra + penalty;
        return extra;
    }

    private DataLoader PrepareLoader(EncodedData train)
    {
        if (_loader is not null && ReferenceEquals(_loader.Data, train) && _restoredLoader is null) return _loader;
        // FullBatch (int.MaxValue) and any batch larger than the data mean the same single joint batch.
        int batchSize = Options.Sampler is null ? Math.Min(Options.BatchSize, train.RowCount) : Options.BatchSize;
        var loader = new DataLoader(train, batchSize, _loaderGenerator, Options.Sampler, tasks: Model.TaskNames);
        if (_restoredLoader is { } restored)
        {
            if (Options.Sampler is null)
            {
                _loaderGenerator.SetState(restored);
            }
            else
            {
                // A per-task loader keeps queues that are not in its generator; replaying the finished epochs'
                // draws (and the sampler's updates) rebuilds them exactly.
                _loaderGenerator.SetState(new Generator(Options.Seed).GetState());
                try
                {
                    for (int e = 0; e < EpochsCompleted; e++)
                    {
                        foreach (var _ in loader.Epoch()) { }
                        if (e < _samplerUpdates.Count) Options.Sampler.Update(_samplerUpdates[e]);
                    }
                    // The last update's probabilities are first needed by the next epoch; computing them here blames the file.
                    _ = Options.Sampler.Probabilities;
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Each update was checked at load, but only the sampler can tell what they do together (e.g. a weight that overflows).
                    throw new InvalidDataException(
                        $"Checkpoint file '{_restoredLoaderFile}', sampler_updates: replaying them failed ({Shorten(e.Message, 2000)}); the file was altered, " +
                        "or training resumes with other training data, batch size, seed or sampler than the checkpointed run.", e);
                }
                if (_loaderGenerator.GetState() != restored)
                    throw new InvalidDataException(
                        $"Checkpoint file '{_restoredLoaderFile}', loader_generator: replaying the data loader did not reach this state; the file was altered, " +
                        "or training resumes with other training data, batch size, seed or sampler than the checkpointed run.");
            }
            _restoredLoader = null;
        }
        _loader = loader;
        return loader;
    }

    /// <summary>
    /// The keys every epoch record of this run will hold. A task without validation labels never gets
    /// <c>val_loss.&lt;task&gt;</c> or metrics, so its keys go to <paramref name="unavailable"/> with the reason,
    /// and a callback monitoring one fails at the start instead of waiting for a value that never comes.
    /// </summary>
    private static Dictionary<string, MetricDirection> MonitorKeys(TaskBinding[] bindings, EncodedData? validation,
        TaskBinding[]? validationBindings, out Dictionary<string, string> unavailable)
    {
        var keys = new Dictionary<string, MetricDirection>(StringComparer.Ordinal) { ["loss"] = MetricDirection.LowerIsBetter, ["objective"] = MetricDirection.LowerIsBetter };
        unavailable = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var b in bindings) keys["loss." + b.Name] = MetricDirection.LowerIsBetter;
        if (validation is null) return keys;
        keys["val_loss"] = MetricDirection.LowerIsBetter;
        keys["val_loss_mean"] = MetricDirection.LowerIsBetter;
        foreach (var b in validationBindings!)
        {
            bool labelled = validation.LabelCount(b.DataIndex) > 0;
            string reason = $"task '{b.Name}' has no labels in the validation data ({validation.RowCount} rows)";
            if (labelled) keys["val_loss." + b.Name] = MetricDirection.LowerIsBetter;
            else unavailable["val_loss." + b.Name] = reason;
            foreach (var m in b.Metrics)
            {
                if (labelled) keys[b.Name + "." + m.Name] = m.Direction;
                else unavailable[b.Name + "." + m.Name] = reason;
            }
        }
        return keys;
    }

    private EvaluationResult EvaluateCore(EncodedData data, TaskBinding[] bindings)
    {
        // An evaluation scope instead of Eval()/Train(): the model's mode is shared by every thread using it,
        // so toggling it would let concurrent calls run with dropout on or leave the model in evaluation mode.
        using var evaluation = Module.EvaluationScope();
        return EvaluateOutputs(data, bindings, Options.EvaluationBatchSize, inputs =>
        {
            var outputs = Model.Forward(inputs);
            return bindings.Select(b => (outputs[b.Name], b.ToUserUnits(outputs[b.Name], data.Encoder))).ToArray();
        });
    }

    /// <summary>
    /// Each task's mean loss and metrics over <paramref name="data"/>, in batches of <paramref name="batchSize"/> rows;
    /// <paramref name="forward"/> gives, per binding, the raw outputs (for the loss) and the predictions in user units
    /// (for the metrics) of a batch's inputs.
    /// </summary>
    internal static EvaluationResult EvaluateOutputs(EncodedData data, TaskBinding[] bindings, int batchSize,
        Func<Tensor, (Tensor Raw, Tensor User)[]> forward) => EvaluateOutputs([data], bindings, batchSize, forward);

    /// <summary>As <see cref="EvaluateOutputs(EncodedData, TaskBinding[], int, Func{Tensor, ValueTuple{Tensor, Tensor}[]})"/> over the parts of one data set (e.g. a stream's chunks), accumulating across them.</summary>
    internal static EvaluationResult EvaluateOutputs(IEnumerable<EncodedData> parts, TaskBinding[] bindings, int batchSize,
        Func<Tensor, (Tensor Raw, Tensor User)[]> forward)
    {
        int taskCount = bindings.Length;
        var lossSum = new double[taskCount];
        var labels = new int[taskCount];
        var metrics = bindings.Select(b => b.Metrics.Select(m => m.Clone()).ToArray()).ToArray();
        foreach (var data in parts)
        {
            for (int start = 0; start < data.RowCount; start += batchSize)
            {
                int count = Math.Min(batchSize, data.RowCount - start);
                var batch = data.GetBatch(Enumerable.Range(start, count).ToArray());
                var outputs = forward(batch.Inputs);
                for (int i = 0; i < taskCount; i++)
                {
                    var b = bindings[i];
                    if (!batch.IsPresent(b.DataIndex)) continue;
                    var targets = batch.Targets(b.DataIndex);
                    var mask = batch.Mask(b.DataIndex);
                    int n = batch.LabelCount(b.DataIndex);
                    lossSum[i] += b.ComputeLoss(outputs[i].Raw, targets, mask).Item() * n;
                    labels[i] += n;
                    if (metrics[i].Length == 0) continue;
                    var predictions = outputs[i].User.ToArray();
                    var userTargets = b.TargetsInUserUnits(targets, data.Encoder);
                    var maskValues = mask.ToArray();
                    foreach (var m in metrics[i]) m.Update(predictions, userTargets, maskValues);
                }
            }
        }
        var tasks = new OrderedDictionary<string, TaskEvaluation>(StringComparer.Ordinal);
        for (int i = 0; i < taskCount; i++)
        {
            var values = new OrderedDictionary<string, double>(StringComparer.Ordinal);
            var directions = new Dictionary<string, MetricDirection>(StringComparer.Ordinal);
            foreach (var m in metrics[i])
            {
                values[m.Name] = m.Result();
                directions[m.Name] = m.Direction;
            }
            tasks[bindings[i].Name] = new TaskEvaluation(bindings[i].Name, labels[i] == 0 ? double.NaN : lossSum[i] / labels[i], labels[i], values, directions);
        }
        return new EvaluationResult(tasks);
    }

    private TaskOutputs PredictCore(Tensor inputs, FeatureEncoder encoder, TaskBinding[] bindings)
    {
        int rows = inputs.Shape[0];
        var results = bindings.Select(b => new float[rows * b.Spec.OutputSize]).ToArray();
        int? threads = UseThreads();
        try
        {
            // See EvaluateCore: evaluation behaviour for this call only, leaving the shared mode alone.
            using var evaluation = Module.EvaluationScope();
            var all = inputs.ToArray();
            int width = inputs.Shape[1], size = Options.EvaluationBatchSize;
            for (int start = 0; start < rows; start += size)
            {
                int count = Math.Min(size, rows - start);
                var chunk = Tensor.FromArray(all.AsSpan(start * width, count * width).ToArray(), count, width);
                var outputs = Model.Forward(chunk);
                for (int i = 0; i < bindings.Length; i++)
                {
                    var values = bindings[i].ToUserUnits(outputs[bindings[i].Name], encoder).ToArray();
                    values.CopyTo(results[i], start * bindings[i].Spec.OutputSize);
                }
            }
        }
        finally
        {
            RestoreThreads(threads);
        }
        return new TaskOutputs(bindings.Select((b, i) => new KeyValuePair<string, Tensor>(b.Name, Tensor.FromArray(results[i], rows, b.Spec.OutputSize))));
    }
}
