using System.Globalization;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;

/// <summary>
/// A real table as raw arrays: numeric features and one label column per task (NaN where a row has no label for it), from
/// which each stage's dataset is cut by rows and labelled tasks.
/// </summary>
internal sealed class TaskData
{
    private TaskData(string name, string[] features, TaskSpec[] tasks, double[][] x, Dictionary<string, double[]> y)
    {
        Name = name;
        Features = features;
        Tasks = tasks;
        X = x;
        Y = y;
        Schema = features.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f));
    }

    public string Name { get; }

    public string[] Features { get; }

    public FeatureSchema Schema { get; }

    public TaskSpec[] Tasks { get; }

    public double[][] X { get; }

    public Dictionary<string, double[]> Y { get; }

    public TaskSpec Task(string name) => Tasks.Single(t => t.Name == name);

    /// <summary>The rows labelled for <paramref name="task"/>, shuffled with <paramref name="seed"/> and split into a test share and the rest.</summary>
    public (int[] Train, int[] Test) Split(string task, ulong seed, double test)
    {
        var rows = Enumerable.Range(0, X.Length).Where(r => !double.IsNaN(Y[task][r])).ToArray();
        var g = new Generator(seed);
        for (int i = rows.Length - 1; i > 0; i--)
        {
            int j = (int)g.NextInt64(0, i + 1);
            (rows[i], rows[j]) = (rows[j], rows[i]);
        }
        int n = (int)Math.Round(test * rows.Length);
        return ([.. rows.Skip(n)], [.. rows.Take(n)]);
    }

    /// <summary>Every row over every task, each labelled where the table has its label.</summary>
    public MultiTaskDataset All() => Dataset(Tasks, [.. Enumerable.Range(0, X.Length)], [.. Tasks.Select(t => t.Name)]);

    /// <summary>The given rows over <paramref name="tasks"/>, labelled only for <paramref name="labels"/>.</summary>
    public MultiTaskDataset Dataset(IReadOnlyList<string> tasks, IReadOnlyList<int> rows, IReadOnlyCollection<string> labels) =>
        Dataset([.. tasks.Select(Task)], rows, labels);

    /// <summary>The given rows over the given task specs (named as this table's tasks), labelled only for <paramref name="labels"/>.</summary>
    public MultiTaskDataset Dataset(IReadOnlyList<TaskSpec> tasks, IReadOnlyList<int> rows, IReadOnlyCollection<string> labels) =>
        MultiTaskDataset.FromArrays(Schema, tasks, [.. rows.Select(r => X[r])], Features,
            labels.ToDictionary(t => t, t => rows.Select(r => Y[t][r]).ToArray()), new TableOptions { Labels = labels });

    /// <summary>
    /// Ames house sales (De Cock, 2011): the log sale price of each building type as a task, from 14 numeric features. Every
    /// task predicts the same quantity, so they share one target scale (a target group).
    /// </summary>
    public static TaskData Ames(string folder)
    {
        var csv = ReadCsv(Path.Combine(folder, "ames.csv"));
        string[] types = ["OneFam", "TwnhsE", "Duplex", "Twnhs", "TwoFmCon"];
        string[] logged = ["Gr_Liv_Area", "Lot_Area"];
        string[] plain = ["Year_Built", "Year_Remod_Add", "Total_Bsmt_SF", "Full_Bath", "Half_Bath", "Bedroom_AbvGr", "TotRms_AbvGrd",
            "Fireplaces", "Garage_Cars", "Garage_Area", "Longitude", "Latitude"];
        int n = csv["Bldg_Type"].Length;
        string[] features = [.. logged.Select(c => "log_" + c), .. plain];
        var x = new double[n][];
        for (int r = 0; r < n; r++)
            x[r] = [.. logged.Select(c => Math.Log(Number(csv[c][r]))), .. plain.Select(c => Number(csv[c][r]))];
        var y = types.ToDictionary(t => t, t => Enumerable.Range(0, n)
            .Select(r => csv["Bldg_Type"][r] == t ? Math.Log(Number(csv["Sale_Price"][r])) : double.NaN).ToArray());
        var tasks = types.Select(t => TaskSpec.Regression(t, features) with { TargetGroup = "log_price" }).ToArray();
        return new TaskData("ames", features, tasks, x, y);
    }

    /// <summary>Meat near-infrared spectra (100 channels, 215 samples) with their water, fat and protein content: three regressions of one input.</summary>
    public static TaskData Meats(string folder)
    {
        var csv = ReadCsv(Path.Combine(folder, "meats.csv"));
        string[] features = [.. Enumerable.Range(1, 100).Select(i => $"x_{i:000}")];
        string[] targets = ["water", "fat", "protein"];
        int n = csv["water"].Length;
        var x = Enumerable.Range(0, n).Select(r => features.Select(f => Number(csv[f][r])).ToArray()).ToArray();
        var y = targets.ToDictionary(t => t, t => csv[t].Select(Number).ToArray());
        return new TaskData("meats", features, [.. targets.Select(t => TaskSpec.Regression(t, features))], x, y);
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>Reads the comma-separated files of data/ (a header row; no commas inside fields).</summary>
    private static Dictionary<string, string[]> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path).Select(l => l.Split(',').Select(f => f.Trim('"')).ToArray()).ToArray();
        return lines[0].Select((h, i) => (h, i)).ToDictionary(p => p.h, p => lines.Skip(1).Select(l => l[p.i]).ToArray());
    }
}
