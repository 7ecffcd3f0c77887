using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Recipes;

/// <summary>
/// The recommended way to learn several related tasks from a small or medium table: one call that fits the
/// encoder and an ensemble of multi-task networks, with settings chosen once on the project's real-data comparison
/// against gradient-boosted trees and ridge regression and used unchanged on every data set there (docs/samples.md:
/// it wins five of seven cases and says by how much it loses the other two).
/// </summary>
/// <remarks>
/// <para>What it builds (every piece is an ordinary option of the library, so a user can take it apart):</para>
/// <list type="number">
/// <item>A <see cref="FeatureEncoder"/> fitted on the training rows (the schema's encodings, the tasks' target transforms and groups).</item>
/// <item>Per member, a hard-sharing network (<see cref="HardSharingOptions"/>): an MLP trunk shared by all tasks, a shared
/// output head plus a zero-initialised residual head per task (<see cref="HardSharingOptions.ResidualHeads"/>, so each task starts
/// at the pooled prediction), and a linear path started at ridge solutions and kept fixed (<see cref="RidgeWarmStart"/>);
/// the shared head's output layer starts at zero too, so a member starts exactly at the ridge fit.</item>
/// <item>Full-batch AdamW with a cosine learning rate, early stopping with best-weight restore on a held-out share of the
/// training rows (each member draws its own), task losses weighted by their share of the labels (the objective and the
/// early-stopping monitor <c>val_loss_mean</c> are means over labelled (row, task) pairs).</item>
/// <item><see cref="TabularRecipeOptions.Members"/> members with consecutive seeds, trained in parallel; predictions averaged.</item>
/// </list>
/// <para>Declare what the tasks share: tasks that predict the same quantity (house and condo prices) should share a
/// <see cref="Tasks.TaskSpec.TargetGroup"/>, so their targets keep one scale. Tune with <see cref="Search.SearchStrategy"/> next.</para>
/// </remarks>
public static class TabularRecipe
{
    /// <summary>Fits the recipe on <paramref name="train"/> (all rows train; each member holds out its own validation rows).</summary>
    /// <param name="train">The training data.</param>
    /// <param name="options">The settings; default the recommended ones.</param>
    /// <param name="progress">Receives each member's training reports; optional.</param>
    /// <param name="cancellationToken">Stops training between batches.</param>
    /// <returns>The fitted encoder(s) and ensemble(s), predicting from raw datasets.</returns>
    /// <exception cref="ArgumentException">Invalid options, tasks that <see cref="TaskSharing.Pooled"/> cannot pool, or data the trainer
    /// rejects (the message names the task or column).</exception>
    public static TabularModel Fit(MultiTaskDataset train, TabularRecipeOptions? options = null, IProgress<EnsembleProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new TabularRecipeOptions();
        options.Validate();
        var tasks = options.Tasks?.ToArray() ?? LabelledTasks(train);
        foreach (var task in tasks) train.TaskIndex(task);
        TabularPart[] parts = options.Sharing switch
        {
            TaskSharing.SingleTask => [.. tasks.Select(task => FitPart(
                train.Subset([.. Enumerable.Range(0, train.RowCount).Where(r => train.IsLabeled(task, r))]), [task], options, null, progress, cancellationToken))],
            TaskSharing.Pooled when PooledTasks.Create(train, tasks) is var pooled =>
                [FitPart(pooled.Stack(train), [pooled.Name], options, pooled, progress, cancellationToken)],
            _ => [FitPart(train, tasks, options, null, progress, cancellationToken)],
        };
        return new TabularModel(train.Schema, train.Tasks, tasks, parts);
    }

    /// <summary>
    /// Chooses, per task, the best of several configurations by cross-validation inside <paramref name="train"/>, then fits
    /// the chosen ones on all of it. By default the candidates are the recommended recipe as one multi-task network, as one
    /// network per task and (when the tasks share a target group) as one pooled network; each task takes the candidate with
    /// the lowest out-of-fold error, so the model is never worse in cross-validation than the single-task or pooled baseline.
    /// </summary>
    /// <param name="train">The training data; the folds are drawn from its rows, within each task.</param>
    /// <param name="options">The candidates and folds; default the recommended recipe's three sharings, 3 folds.</param>
    /// <param name="progress">Receives each member's training reports; optional.</param>
    /// <param name="cancellationToken">Stops training between batches.</param>
    /// <returns>The model of the chosen parts, with <see cref="TabularModel.Selection"/> saying how each task chose.</returns>
    /// <exception cref="ArgumentException">Invalid options; a task that is neither regression nor binary, or has fewer labels than
    /// folds; a candidate that cannot apply (e.g. pooled tasks without a shared target group).</exception>
    /// <remarks>It costs about (folds + 1) fits per candidate. The score is the out-of-fold RMSE in the user's units (regression)
    /// or log loss (binary), so candidates with different encoders compare fairly.</remarks>
    public static TabularModel Select(MultiTaskDataset train, TabularSelectionOptions? options = null, IProgress<EnsembleProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new TabularSelectionOptions();
        options.Validate();
        var tasks = LabelledTasks(train);
        foreach (var task in tasks)
        {
            var spec = train.Tasks[train.TaskIndex(task)];
            if (spec.Kind is not (TaskKind.Regression or TaskKind.Binary) || spec.Targets.Count != 1)
                throw new ArgumentException($"Task '{task}' is {spec.Kind} with {spec.Targets.Count} targets; Select scores one-target regression and binary tasks only.", nameof(train));
            if (train.LabelCount(task) < options.Folds)
                throw new ArgumentException($"Task '{task}' has {train.LabelCount(task)} labels, fewer than the {options.Folds} folds; lower Folds or leave the task out.", nameof(train));
        }
        var candidates = options.Candidates ?? [.. Enum.GetValues<TaskSharing>()
            .Where(s => s != TaskSharing.Pooled || PooledTasks.Unsuitable(train, tasks) is null)
            .Select(s => options.Recipe with { Sharing = s, Tasks = null })];

        var folds = train.KFold(options.Folds, new Generator(options.Seed));
        var scores = new double[candidates.Count, tasks.Length];
        for (int c = 0; c < candidates.Count; c++)
        {
            var errors = new double[tasks.Length];
            foreach (var (foldTrain, foldValidation) in folds)
            {
                var predicted = Fit(foldTrain, candidates[c] with { Tasks = tasks }, progress, cancellationToken).Predict(foldValidation);
                for (int t = 0; t < tasks.Length; t++) errors[t] += SumOfErrors(foldValidation, tasks[t], predicted[tasks[t]].AsSpan());
            }
            for (int t = 0; t < tasks.Length; t++)
            {
                double mean = errors[t] / train.LabelCount(tasks[t]);
                scores[c, t] = train.Tasks[train.TaskIndex(tasks[t])].Kind == TaskKind.Regression ? Math.Sqrt(mean) : mean;
            }
        }
        var selection = new TabularSelection(candidates, tasks, scores, options.Folds);

        var parts = new List<TabularPart>();
        for (int c = 0; c < candidates.Count; c++)
        {
            var mine = tasks.Where(t => selection.Chosen(t) == c).ToArray();
            if (mine.Length == 0) continue;
            // One network per task needs only the chosen tasks; shared ones learn from every task, as in the folds.
            var model = Fit(train, candidates[c] with { Tasks = candidates[c].Sharing == TaskSharing.SingleTask ? mine : tasks }, progress, cancellationToken);
            parts.AddRange(model.Parts.Select(p => p.Serving(mine)).OfType<TabularPart>());
        }
        return new TabularModel(train.Schema, train.Tasks, tasks, parts, selection);
    }

    private static string[] LabelledTasks(MultiTaskDataset data) => [.. data.Tasks.Select(t => t.Name).Where(t => data.LabelCount(t) > 0)];

    /// <summary>The sum over the labelled rows of <paramref name="task"/> of the squared error (regression) or log loss (binary) of <paramref name="predicted"/>.</summary>
    private static double SumOfErrors(MultiTaskDataset data, string task, ReadOnlySpan<float> predicted)
    {
        bool regression = data.Tasks[data.TaskIndex(task)].Kind == TaskKind.Regression;
        var actual = data.TargetValues(task);
        double sum = 0;
        for (int r = 0; r < data.RowCount; r++)
        {
            if (!data.IsLabeled(task, r)) continue;
            double p = predicted[r];
            sum += regression ? (p - actual[r]) * (p - actual[r])
                : -Math.Log(Math.Clamp(actual[r] > 0.5 ? p : 1 - p, 1e-7, 1));
        }
        return sum;
    }

    private static TabularPart FitPart(MultiTaskDataset train, IReadOnlyList<string> tasks, TabularRecipeOptions options, PooledTasks? pooled,
        IProgress<EnsembleProgress>? progress, CancellationToken cancellationToken)
    {
        var encoder = FeatureEncoder.Fit(train);
        var encoded = encoder.Transform(train);
        var labelCounts = tasks.ToDictionary(t => t, t => encoded.LabelCount(t));
        var ensemble = new MultiTaskEnsemble(options.Members,
            member => MemberModel(encoder, encoded, tasks, options, options.Seed + (ulong)member),
            member => MemberOptions(options, options.Seed + (ulong)member, labelCounts),
            options.MaxParallel ?? Environment.ProcessorCount);
        ensemble.Fit(encoded, progress: progress, cancellationToken: cancellationToken);
        return new TabularPart(options.Sharing, pooled?.Tasks ?? tasks, encoder, ensemble, options, pooled);
    }

    /// <summary>The network of one member, before training (see the class remarks).</summary>
    /// <param name="encoder">The encoder fitted on the training rows.</param>
    /// <param name="train">The encoded training rows (for the ridge warm start).</param>
    /// <param name="tasks">The tasks to learn.</param>
    /// <param name="options">The recipe's settings.</param>
    /// <param name="seed">The member's seed.</param>
    /// <returns>The model.</returns>
    public static HardSharingModel MemberModel(FeatureEncoder encoder, EncodedData train, IReadOnlyList<string> tasks, TabularRecipeOptions options, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        var generator = new Generator(seed);
        var model = MultiTaskModel.HardSharing(encoder, new HardSharingOptions
        {
            Backbone = options.Hidden,
            Mlp = new MlpOptions { Dropout = options.Dropout },
            ResidualHeads = true,
            Wide = options.RidgeWarmStart ? WidePath.SharedAndPerTask : WidePath.None,
            NumericEmbedding = options.NumericEmbedding,
        }, generator, tasks);
        if (!options.RidgeWarmStart) return model;
        // Start exactly at the ridge fit: the deep part's output begins at zero and only adds what it learns.
        if (model.SharedHead is { } head && (head as Linear ?? head.Modules().OfType<Linear>().LastOrDefault()) is { } output)
            foreach (var p in output.Parameters()) p.AsSpan().Clear();
        RidgeWarmStart.Apply(model, train);
        model.Freeze("wide");
        foreach (var task in tasks) model.Freeze($"wide_heads.{task}");
        return model;
    }

    /// <summary>The training settings of one member (see the class remarks).</summary>
    /// <param name="options">The recipe's settings.</param>
    /// <param name="seed">The member's seed.</param>
    /// <param name="labelCounts">Each task's number of training labels: task losses are weighted by their share, so the
    /// objective is the mean over every labelled (row, task) pair, as for one pooled model.</param>
    /// <returns>Fresh options (new callbacks and weighting) for one trainer.</returns>
    public static TrainerOptions MemberOptions(TabularRecipeOptions options, ulong seed, IReadOnlyDictionary<string, int> labelCounts)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(labelCounts);
        double total = labelCounts.Values.Sum();
        return new TrainerOptions
        {
            // Equal weights would give a 50-row task as much pull as a 2,000-row one and make early stopping
            // follow its noise; weighting by label share trains and stops on the pooled per-label error.
            Weighting = new StaticWeighting(labelCounts.ToDictionary(p => p.Key, p => p.Value / total)),
            Epochs = options.MaxEpochs,
            BatchSize = Training.TrainerOptions.FullBatch,
            Seed = seed,
            Optimizer = new AdamWOptions { LearningRate = options.LearningRate, WeightDecay = options.WeightDecay },
            ValidationSplit = options.ValidationSplit,
            Callbacks =
            [
                new EarlyStopping("val_loss_mean", patience: options.Patience, restoreBestWeights: true),
                new LearningRateScheduler(optimizer => new CosineAnnealingLR(optimizer, options.MaxEpochs)),
            ],
        };
    }
}
