using System.Runtime.ExceptionServices;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

namespace MultiTask.Training;

/// <summary>
/// Several independently seeded models of the same tasks, trained by one <see cref="Fit"/> call, whose predictions
/// are averaged: a deep ensemble (Lakshminarayanan et al., 2017), usually better and steadier than any one member.
/// </summary>
/// <remarks>
/// <para>Member i is <c>new MultiTaskTrainer(modelFactory(i), optionsFactory(i))</c>. The factories must give each
/// member its own seeds and its own stateful objects: a model initialised (and given dropout generators) from
/// <c>new Generator(seed + i)</c>, and fresh options with <c>Seed = seed + i</c> and new weighting, sampler and
/// callbacks. Members are trained on up to <see cref="MaxParallel"/> threads; when more than one, each member's
/// matrix products run on one thread (<see cref="EngineOptions.MaxThreads"/> = 1, unless its options set
/// <see cref="TrainerOptions.MaxThreads"/>). Training a member never depends on another, so the results do not
/// depend on <see cref="MaxParallel"/>.</para>
/// <para><see cref="Predict"/> averages the members' predictions in the user's units: regression values,
/// probabilities for binary, multilabel and multiclass tasks, raw outputs for custom tasks.
/// <see cref="Evaluate"/> scores that average: metrics in the user's units, and each task's loss on the averaged
/// prediction mapped back to the loss's scale (standardised values, logits of the mean probability, logarithms of
/// the mean class probabilities), so a classification loss is the log-loss of the averaged probabilities.</para>
/// <para>With <see cref="TrainerOptions.ValidationSplit"/> and no validation data, each member holds out its own
/// rows (drawn with its own seed), as in bagging.</para>
/// </remarks>
public sealed class MultiTaskEnsemble
{
    private readonly MultiTaskTrainer[] _members;

    /// <summary>Builds the members' models and trainers.</summary>
    /// <param name="members">The number of members k (at least 1).</param>
    /// <param name="modelFactory">Builds member i's model; each call must return a new model, seeded for member i.</param>
    /// <param name="optionsFactory">Builds member i's options; each call must return new stateful objects (weighting, sampler, callbacks).</param>
    /// <param name="maxParallel">The most members trained at the same time (at least 1). Default 1.</param>
    /// <exception cref="ArgumentException">Bad counts, a factory returned null or a model already used, or the members' tasks differ.</exception>
    public MultiTaskEnsemble(int members, Func<int, MultiTaskModel> modelFactory, Func<int, TrainerOptions> optionsFactory, int maxParallel = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallel, 1);
        ArgumentNullException.ThrowIfNull(modelFactory);
        ArgumentNullException.ThrowIfNull(optionsFactory);
        MaxParallel = maxParallel;
        _members = new MultiTaskTrainer[members];
        for (int i = 0; i < members; i++)
        {
            var model = modelFactory(i) ?? throw new ArgumentException($"The model factory returned null for member {i}; return a new model.", nameof(modelFactory));
            var options = optionsFactory(i) ?? throw new ArgumentException($"The options factory returned null for member {i}; return new options.", nameof(optionsFactory));
            for (int j = 0; j < i; j++)
            {
                if (ReferenceEquals(_members[j].Model, model))
                    throw new ArgumentException($"The model factory returned the same model for members {j} and {i}; build a new model per member.", nameof(modelFactory));
                var other = _members[j].Options;
                object? shared = ReferenceEquals(other.Weighting, options.Weighting) ? options.Weighting
                    : other.Sampler is not null && ReferenceEquals(other.Sampler, options.Sampler) ? options.Sampler
                    : options.Callbacks.FirstOrDefault(c => other.Callbacks.Contains(c));
                if (shared is not null)
                    throw new ArgumentException(
                        $"The options of members {j} and {i} share one {shared.GetType().Name} instance; the options factory must create new stateful objects (weighting, sampler, callbacks) per member.",
                        nameof(optionsFactory));
            }
            if (i > 0 && !model.TaskNames.SequenceEqual(_members[0].Model.TaskNames, StringComparer.Ordinal))
                throw new ArgumentException(
                    $"Member {i} has tasks {Quote(model.TaskNames)} but member 0 has {Quote(_members[0].Model.TaskNames)}; every member must predict the same tasks.",
                    nameof(modelFactory));
            _members[i] = new MultiTaskTrainer(model, options);
        }
    }

    /// <summary>The members' trainers (each with its model, options and history).</summary>
    public IReadOnlyList<MultiTaskTrainer> Members => _members;

    /// <summary>The most members trained at the same time.</summary>
    public int MaxParallel { get; }

    /// <summary>The tasks every member predicts.</summary>
    public IReadOnlyList<string> TaskNames => _members[0].Model.TaskNames;

    /// <summary>Trains every member (see <see cref="MultiTaskTrainer.Fit"/>), up to <see cref="MaxParallel"/> at a time.</summary>
    /// <param name="train">The training data.</param>
    /// <param name="validation">Validation data for the members' <c>val_*</c> values and early stopping; optional.</param>
    /// <param name="progress">Receives each member's reports, tagged with the member; optional.</param>
    /// <param name="cancellationToken">Stops every member cleanly between batches.</param>
    /// <returns>Each member's report, in member order.</returns>
    /// <exception cref="ArgumentException">As <see cref="MultiTaskTrainer.Fit"/> (the first member's failure is rethrown as is).</exception>
    public IReadOnlyList<TrainingReport> Fit(EncodedData train, EncodedData? validation = null, IProgress<EnsembleProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var reports = new TrainingReport[_members.Length];
        void Train(int i)
        {
            var memberProgress = progress is null ? null : new MemberProgress(i, progress);
            reports[i] = _members[i].Fit(train, validation, memberProgress, cancellationToken);
        }

        if (MaxParallel == 1 || _members.Length == 1)
        {
            for (int i = 0; i < _members.Length; i++) Train(i);
            return reports;
        }
        try
        {
            Parallel.For(0, _members.Length, new ParallelOptions { MaxDegreeOfParallelism = MaxParallel }, i =>
            {
                // Members already use the cores; splitting their products as well would only oversubscribe them.
                int previous = EngineOptions.MaxThreads;
                EngineOptions.MaxThreads = 1;
                try
                {
                    Train(i);
                }
                finally
                {
                    EngineOptions.MaxThreads = previous;
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return reports;
    }

    /// <summary>The mean of the members' <see cref="MultiTaskTrainer.Predict(EncodedData)"/>, per task and element, in the user's units.</summary>
    /// <param name="data">Encoded data (labels are not needed).</param>
    /// <returns>Per task, the averaged predictions [rows, output size].</returns>
    public TaskOutputs Predict(EncodedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var sums = new double[TaskNames.Count][];
        var widths = new int[TaskNames.Count];
        int rows = data.RowCount;
        foreach (var member in _members)
        {
            var predictions = member.Predict(data);
            for (int t = 0; t < sums.Length; t++)
            {
                var prediction = predictions[TaskNames[t]];
                var values = prediction.AsSpan();
                widths[t] = prediction.Shape[1];
                sums[t] ??= new double[values.Length];
                for (int j = 0; j < values.Length; j++) sums[t][j] += values[j];
            }
        }
        return new TaskOutputs(TaskNames.Select((name, t) =>
        {
            var mean = new float[sums[t].Length];
            for (int j = 0; j < mean.Length; j++) mean[j] = (float)(sums[t][j] / _members.Length);
            return new KeyValuePair<string, Tensor>(name, Tensor.FromArray(mean, rows, widths[t]));
        }));
    }

    /// <summary>
    /// Each task's loss and metrics of the averaged prediction on <paramref name="data"/> (metrics in the user's units,
    /// computed as <see cref="MultiTaskTrainer.Evaluate"/> computes them for one model).
    /// </summary>
    /// <param name="data">Encoded data whose tasks include the members' tasks.</param>
    /// <returns>The per-task evaluation.</returns>
    /// <exception cref="ArgumentException">The data lacks a task or has another input width; a custom task has no loss.</exception>
    public EvaluationResult Evaluate(EncodedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var bindings = TaskBinding.Bind(_members[0].Model, data, "evaluation");
        var mean = Predict(data);
        var all = bindings.Select(b => mean[b.Name].ToArray()).ToArray();
        int offset = 0;
        return MultiTaskTrainer.EvaluateOutputs(data, bindings, _members[0].Options.EvaluationBatchSize, inputs =>
        {
            int count = inputs.Shape[0];
            var outputs = new (Tensor Raw, Tensor User)[bindings.Length];
            for (int i = 0; i < bindings.Length; i++)
            {
                int width = bindings[i].Spec.OutputSize;
                var user = all[i].AsSpan(offset * width, count * width).ToArray();
                outputs[i] = (Tensor.FromArray(ToLossScale(bindings[i], user, data.Encoder), count, width), Tensor.FromArray(user, count, width));
            }
            offset += count;
            return outputs;
        });
    }

    /// <summary>Maps predictions in the user's units back to the scale the task's loss reads (the inverse of the trainer's ToUserUnits).</summary>
    private static float[] ToLossScale(TaskBinding binding, float[] user, FeatureEncoder encoder)
    {
        const double Epsilon = 1e-7;
        var raw = new float[user.Length];
        switch (binding.Spec.Kind)
        {
            case TaskKind.Regression:
                var stats = encoder.TargetStatistics(binding.Name);
                for (int j = 0; j < raw.Length; j++) raw[j] = stats is { } s ? (float)s.Apply(user[j]) : user[j];
                break;
            case TaskKind.Binary or TaskKind.Multilabel:
                for (int j = 0; j < raw.Length; j++)
                {
                    double p = Math.Clamp(user[j], Epsilon, 1 - Epsilon);
                    raw[j] = (float)Math.Log(p / (1 - p));
                }
                break;
            case TaskKind.Multiclass:
                // log p is a valid logit vector: its softmax is p again, since the probabilities sum to 1.
                for (int j = 0; j < raw.Length; j++) raw[j] = (float)Math.Log(Math.Max(user[j], 1e-12));
                break;
            default:
                user.CopyTo(raw, 0);
                break;
        }
        return raw;
    }

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    private sealed class MemberProgress(int member, IProgress<EnsembleProgress> inner) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => inner.Report(new EnsembleProgress(member, value));
    }
}
