using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Metrics;
using MultiTask.Recipes;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Weighting;

/// <summary>
/// Real data: Sacramento sales, houses (Residential, 866 rows) and condos (Condo, 53 rows) as two
/// price tasks. Every setup is scored on the same stratified folds and seeds, so the comparison is
/// of setups, not of lucky splits.
/// </summary>
internal sealed class SacramentoComparison
{
    public static readonly string[] Features = ["sqft", "beds", "baths", "latitude", "longitude"];

    private readonly MultiTaskDataset _multiTask;
    private readonly MultiTaskDataset _pooled;
    private readonly MultiTaskDataset _recipe;
    private readonly bool[] _isCondo;

    public SacramentoComparison(string csvPath)
    {
        var schema = Features.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f));
        _multiTask = MultiTaskDataset.FromCsv(csvPath, schema,
            [TaskSpec.Regression("house", Features, target: "price"), TaskSpec.Regression("condo", Features, target: "price")],
            new CsvOptions { TaskColumn = "type", TaskValues = new Dictionary<string, string> { ["Residential"] = "house", ["Condo"] = "condo" } });
        // The pooled baseline: one model, one "price" task over both kinds of home, told the kind as a feature.
        _pooled = MultiTaskDataset.FromCsv(csvPath, schema.Categorical("type", "Residential", "Condo"),
            [TaskSpec.Regression("price", [.. Features, "type"])],
            new CsvOptions { TaskColumn = "type", TaskValues = new Dictionary<string, string> { ["Residential"] = "price", ["Condo"] = "price" } });
        if (_pooled.RowCount != _multiTask.RowCount)
            throw new InvalidOperationException("The pooled and multi-task views of the data must hold the same rows.");
        _isCondo = Enumerable.Range(0, _multiTask.RowCount).Select(r => _multiTask.IsLabeled("condo", r)).ToArray();
        // The recipe's view: both tasks predict a price, so they learn log prices on one shared scale;
        // predictions and RMSE are still in dollars (the transform is undone).
        TaskSpec Price(string name) => TaskSpec.Regression(name, Features, target: "price") with { TargetTransform = TargetTransform.Log, TargetGroup = "price" };
        _recipe = MultiTaskDataset.FromCsv(csvPath, schema, [Price("house"), Price("condo")],
            new CsvOptions { TaskColumn = "type", TaskValues = new Dictionary<string, string> { ["Residential"] = "house", ["Condo"] = "condo" } });
    }

    public int Houses => _multiTask.LabelCount("house");

    public int Condos => _multiTask.LabelCount("condo");

    /// <summary>Fold assignment per seed, stratified by task so every fold holds its share of condos.</summary>
    public int[] Folds(int k, ulong seed)
    {
        var rng = new Generator(seed);
        var fold = new int[_isCondo.Length];
        foreach (bool condo in new[] { true, false })
        {
            var rows = Enumerable.Range(0, _isCondo.Length).Where(r => _isCondo[r] == condo).ToArray();
            for (int i = rows.Length - 1; i > 0; i--)
            {
                int j = (int)rng.NextInt64(0, i + 1);
                (rows[i], rows[j]) = (rows[j], rows[i]);
            }
            for (int i = 0; i < rows.Length; i++) fold[rows[i]] = i % k;
        }
        return fold;
    }

    /// <summary>
    /// Trains one setup on all folds but <paramref name="testFold"/> and returns test RMSE per task, in
    /// dollars. The held-out fold is passed as validation data only so the history holds its curves:
    /// nothing in these recipes (no early stopping, no sampler) reacts to it.
    /// </summary>
    public (double House, double Condo, IReadOnlyList<EpochRecord> History) Run(Setup setup, int[] folds, int testFold, ulong seed, IProgress<TrainingProgress>? progress = null)
    {
        var trainRows = Enumerable.Range(0, folds.Length).Where(r => folds[r] != testFold).ToArray();
        var testRows = Enumerable.Range(0, folds.Length).Where(r => folds[r] == testFold).ToArray();
        // Strategies keep per-run state, so each trainer gets fresh options.
        TrainerOptions Options() => setup.Options!(seed);

        if (setup.Kind == SetupKind.Recipe)
        {
            var train = _recipe.Subset(trainRows);
            var model = setup.SelectionOptions is { } selection
                ? TabularRecipe.Select(train, selection(seed))
                : TabularRecipe.Fit(train, setup.RecipeOptions!(seed));
            var evaluation = model.Evaluate(_recipe.Subset(testRows));
            return (evaluation["house"]["rmse"], evaluation["condo"]["rmse"], model.Parts[0].Ensemble.Members[0].History.Records);
        }

        if (setup.Kind == SetupKind.Pooled)
        {
            var train = _pooled.Subset(trainRows);
            var encoder = FeatureEncoder.Fit(train);
            var trainer = new MultiTaskTrainer(setup.Model!(encoder, null, seed), Options());
            trainer.Fit(encoder.Transform(train), encoder.Transform(_pooled.Subset(testRows)), progress);
            var predicted = trainer.Predict(encoder.Transform(_pooled.Subset(testRows)))["price"].ToArray();
            var actual = testRows.Select(r => _pooled.TargetValues("price")[r]).ToArray();
            var condo = testRows.Select(r => _isCondo[r]).ToArray();
            return (Rmse(predicted, actual, condo, want: false), Rmse(predicted, actual, condo, want: true), trainer.History.Records);
        }

        var trainSet = _multiTask.Subset(trainRows);
        var enc = FeatureEncoder.Fit(trainSet);
        var test = enc.Transform(_multiTask.Subset(testRows));
        if (setup.Kind == SetupKind.SingleTask)
        {
            // One model per task, same architecture and options; each ignores the other task's labels.
            var rmse = new Dictionary<string, double>();
            IReadOnlyList<EpochRecord> history = [];
            foreach (var task in new[] { "house", "condo" })
            {
                var trainer = new MultiTaskTrainer(setup.Model!(enc, [task], seed), Options());
                trainer.Fit(enc.Transform(trainSet), test, progress);
                rmse[task] = trainer.Evaluate(test)[task]["rmse"];
                history = trainer.History.Records;
            }
            return (rmse["house"], rmse["condo"], history);
        }

        var mt = new MultiTaskTrainer(setup.Model!(enc, null, seed), Options());
        mt.Fit(enc.Transform(trainSet), test, progress);
        var result = mt.Evaluate(test);
        return (result["house"]["rmse"], result["condo"]["rmse"], mt.History.Records);
    }

    private static double Rmse(float[] predicted, double[] actual, bool[] isCondo, bool want)
    {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if (isCondo[i] != want) continue;
            double e = predicted[i] - actual[i];
            sum += e * e;
            n++;
        }
        return Math.Sqrt(sum / n);
    }
}

internal enum SetupKind { SingleTask, Pooled, MultiTask, Recipe }

/// <summary>
/// A model and its training options (the model factory gets the encoder, the task subset (null: all) and the seed),
/// or, for <see cref="SetupKind.Recipe"/>, the options of <see cref="TabularRecipe.Fit"/> or of <see cref="TabularRecipe.Select"/>.
/// </summary>
internal sealed record Setup(string Name, SetupKind Kind, Func<FeatureEncoder, IReadOnlyList<string>?, ulong, MultiTaskModel>? Model,
    Func<ulong, TrainerOptions>? Options, Func<ulong, TabularRecipeOptions>? RecipeOptions = null,
    Func<ulong, TabularSelectionOptions>? SelectionOptions = null);
