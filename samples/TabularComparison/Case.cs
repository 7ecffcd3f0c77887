using System.Globalization;
using MultiTask.Data;
using MultiTask.Tasks;

/// <summary>
/// One comparison case: a table of real data turned into tasks, and the committed fold assignment
/// (per data row and seed: the held-out fold, or -1 when the row always trains) that the reference
/// baselines in tests/reference/tabular_baselines.py read too, so every comparison is paired.
/// </summary>
internal sealed class Case
{
    private readonly int[] _fileRow;
    private readonly Table _table;
    private MultiTaskDataset? _pooled;
    private MultiTaskDataset? _piecewiseLinear;
    private readonly int[][] _folds;

    private Case(string name, string[] scored, FeatureSchema schema, TaskSpec[] tasks, Table table, int[] fileRow, int[][] folds, int[] taskOfRow)
    {
        Name = name;
        Scored = scored;
        Schema = schema;
        Tasks = tasks;
        Data = MultiTaskDataset.FromTable(schema, tasks, table, new TableOptions { KeepUnlabeledRows = true });
        _fileRow = fileRow;
        _folds = folds;
        TaskOfRow = taskOfRow;
        _table = table;
    }

    public string Name { get; }

    /// <summary>The tasks whose held-out RMSE is reported.</summary>
    public string[] Scored { get; }

    public FeatureSchema Schema { get; }

    public TaskSpec[] Tasks { get; }

    /// <summary>One row per data row that belongs to a task; several tasks may label the same row (meats).</summary>
    public MultiTaskDataset Data { get; }

    /// <summary>The task index a row belongs to, or -1 when every task labels it (meats).</summary>
    public int[] TaskOfRow { get; }

    /// <summary>
    /// The same rows as one task "y" (each row's own task's target) with the task as a one-hot feature "task":
    /// what a user does without multi-task learning. Not for cases whose tasks label the same rows (meats).
    /// </summary>
    public MultiTaskDataset Pooled => _pooled ??= BuildPooled();

    /// <summary>
    /// The same rows and tasks with every numeric feature piecewise-linear encoded (16 quantile bins fitted on the training
    /// rows): thresholds for the network to build on, as a tree's splits are.
    /// </summary>
    public MultiTaskDataset PiecewiseLinear => _piecewiseLinear ??= MultiTaskDataset.FromTable(
        Schema.Names.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f, new NumericOptions { Encoding = NumericEncoding.PiecewiseLinear, Bins = 16 })),
        Tasks, _table, new TableOptions { KeepUnlabeledRows = true });

    public int Seeds => _folds.Length;

    public int FoldCount => _folds[0].Max() + 1;

    /// <summary>The rows (of <see cref="Data"/>) that train, and those held out, in fold <paramref name="fold"/> of seed <paramref name="seed"/> (1-based).</summary>
    public (int[] Train, int[] Test) Split(int seed, int fold)
    {
        var assignment = _folds[seed - 1];
        var train = new List<int>();
        var test = new List<int>();
        for (int r = 0; r < _fileRow.Length; r++)
            (assignment[_fileRow[r]] == fold ? test : train).Add(r);
        return ([.. train], [.. test]);
    }

    public static Case Sacramento(string folder)
    {
        var csv = ReadCsv(Path.Combine(folder, "sacramento.csv"));
        string[] types = csv["type"];
        var rows = Enumerable.Range(0, types.Length).Where(r => types[r] is "Residential" or "Condo").ToArray();
        var table = new Table("sacramento")
            .Add("log_sqft", rows.Select(r => Math.Log(Number(csv["sqft"][r]))).ToArray())
            .Add("beds", rows.Select(r => Number(csv["beds"][r])).ToArray())
            .Add("baths", rows.Select(r => Number(csv["baths"][r])).ToArray())
            .Add("latitude", rows.Select(r => Number(csv["latitude"][r])).ToArray())
            .Add("longitude", rows.Select(r => Number(csv["longitude"][r])).ToArray());
        string[] features = ["log_sqft", "beds", "baths", "latitude", "longitude"];
        var taskOfRow = rows.Select(r => types[r] == "Residential" ? 0 : 1).ToArray();
        AddTargets(table, ["houses", "condos"], rows.Select(r => Math.Log(Number(csv["price"][r]))).ToArray(), taskOfRow);
        return new Case("sacramento", ["condos"], Numeric(features), [Price("houses", features), Price("condos", features)],
            table, rows, ReadFolds(Path.Combine(folder, "folds-sacramento.csv"), types.Length), taskOfRow);
    }

    public static Case Ames(string folder)
    {
        var csv = ReadCsv(Path.Combine(folder, "ames.csv"));
        string[] types = ["OneFam", "TwnhsE", "Twnhs", "Duplex", "TwoFmCon"];
        string[] logged = ["Gr_Liv_Area", "Lot_Area"];
        string[] plain = ["Year_Built", "Year_Remod_Add", "Total_Bsmt_SF", "Full_Bath", "Half_Bath", "Bedroom_AbvGr", "TotRms_AbvGrd",
            "Fireplaces", "Garage_Cars", "Garage_Area", "Longitude", "Latitude"];
        int n = csv["Bldg_Type"].Length;
        var rows = Enumerable.Range(0, n).ToArray();
        var table = new Table("ames");
        foreach (var c in logged) table.Add("log_" + c, rows.Select(r => Math.Log(Number(csv[c][r]))).ToArray());
        foreach (var c in plain) table.Add(c, rows.Select(r => Number(csv[c][r])).ToArray());
        string[] features = [.. logged.Select(c => "log_" + c), .. plain];
        var taskOfRow = rows.Select(r => Array.IndexOf(types, csv["Bldg_Type"][r])).ToArray();
        AddTargets(table, types, rows.Select(r => Math.Log(Number(csv["Sale_Price"][r]))).ToArray(), taskOfRow);
        return new Case("ames", ["Twnhs", "Duplex", "TwoFmCon"], Numeric(features), [.. types.Select(t => Price(t, features))],
            table, rows, ReadFolds(Path.Combine(folder, "folds-ames.csv"), n), taskOfRow);
    }

    public static Case Meats(string folder)
    {
        var csv = ReadCsv(Path.Combine(folder, "meats.csv"));
        string[] features = [.. Enumerable.Range(1, 100).Select(i => $"x_{i:000}")];
        string[] targets = ["water", "fat", "protein"];
        int n = csv["water"].Length;
        var rows = Enumerable.Range(0, n).ToArray();
        var table = new Table("meats");
        foreach (var c in features) table.Add(c, rows.Select(r => Number(csv[c][r])).ToArray());
        foreach (var c in targets) table.Add(c, rows.Select(r => Number(csv[c][r])).ToArray());
        return new Case("meats", targets, Numeric(features), [.. targets.Select(t => TaskSpec.Regression(t, features))],
            table, rows, ReadFolds(Path.Combine(folder, "folds-meats.csv"), n), [.. rows.Select(_ => -1)]);
    }

    /// <summary>A log-price task; every price task of a case predicts the same quantity, so they share one target scale.</summary>
    private static TaskSpec Price(string name, string[] features) => TaskSpec.Regression(name, features) with { TargetGroup = "log_price" };

    private MultiTaskDataset BuildPooled()
    {
        string[] names = [.. Tasks.Select(t => t.Name)];
        var y = new double[TaskOfRow.Length];
        for (int r = 0; r < y.Length; r++) y[r] = Data.TargetValues(names[TaskOfRow[r]])[r];
        // The case's dataset was built before, so the extra columns change nothing in it.
        _table.Add("task", TaskOfRow.Select(t => (string?)names[t]).ToArray()).Add("y", y);
        return MultiTaskDataset.FromTable(Schema.Categorical("task", names), [TaskSpec.Regression("y", [.. Schema.Names, "task"])], _table);
    }

    private static FeatureSchema Numeric(IEnumerable<string> features) => features.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f));

    /// <summary>One target column per task: the row's value in its own task's column, NaN (no label) in the others.</summary>
    private static void AddTargets(Table table, string[] tasks, double[] values, int[] taskOfRow)
    {
        for (int t = 0; t < tasks.Length; t++)
            table.Add(tasks[t], values.Select((v, r) => taskOfRow[r] == t ? v : double.NaN).ToArray());
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>Reads the comma-separated files of data/ (a header row; no commas inside fields).</summary>
    private static Dictionary<string, string[]> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path).Select(l => l.Split(',').Select(f => f.Trim('"')).ToArray()).ToArray();
        return lines[0].Select((h, i) => (h, i)).ToDictionary(p => p.h, p => lines.Skip(1).Select(l => l[p.i]).ToArray());
    }

    private static int[][] ReadFolds(string path, int rows)
    {
        var lines = File.ReadAllLines(path).Skip(1).Select(l => l.Split(',').Select(int.Parse).ToArray()).ToArray();
        if (lines.Length != rows) throw new InvalidDataException($"{path} has {lines.Length} rows but the data has {rows}.");
        int seeds = lines[0].Length - 1;
        return [.. Enumerable.Range(1, seeds).Select(s => lines.Select(l => l[s]).ToArray())];
    }
}
