using System.Globalization;
using MultiTask.Data;
using MultiTask.Tasks;

/// <summary>The two real tables of the sample, as multi-task datasets.</summary>
internal static class Datasets
{
    /// <summary>Meat near-infrared spectra (100 channels, 215 samples) with their water, fat and protein content: three regressions of one input.</summary>
    public static MultiTaskDataset Meats(string folder)
    {
        var csv = ReadCsv(Path.Combine(folder, "meats.csv"));
        string[] features = [.. Enumerable.Range(1, 100).Select(i => $"x_{i:000}")];
        string[] targets = ["water", "fat", "protein"];
        int n = csv["water"].Length;
        var x = Enumerable.Range(0, n).Select(r => features.Select(f => Number(csv[f][r])).ToArray()).ToArray();
        var y = targets.ToDictionary(t => t, t => csv[t].Select(Number).ToArray());
        var schema = features.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f));
        return MultiTaskDataset.FromArrays(schema, [.. targets.Select(t => TaskSpec.Regression(t, features))], x, features, y);
    }

    /// <summary>
    /// Ames house sales (De Cock, 2011): the log sale price of each building type as a task, from 14 numeric features. Each
    /// row is labelled for its own type only, so the tasks share features but never rows.
    /// </summary>
    public static MultiTaskDataset Ames(string folder)
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
        var schema = features.Aggregate(new FeatureSchema(), (s, f) => s.Numeric(f));
        var tasks = types.Select(t => TaskSpec.Regression(t, features) with { TargetGroup = "log_price" }).ToArray();
        return MultiTaskDataset.FromArrays(schema, tasks, x, features, y);
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>Reads the comma-separated files of data/ (a header row; no commas inside fields).</summary>
    private static Dictionary<string, string[]> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path).Select(l => l.Split(',').Select(f => f.Trim('"')).ToArray()).ToArray();
        return lines[0].Select((h, i) => (h, i)).ToDictionary(p => p.h, p => lines.Skip(1).Select(l => l[p.i]).ToArray());
    }
}
