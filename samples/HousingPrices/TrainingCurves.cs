using System.Globalization;
using System.Text;
using ScottPlot;

/// <summary>Writes per-epoch curves as CSV (for spreadsheets) and as a line chart (SVG and PNG, drawn by ScottPlot).</summary>
internal static class TrainingCurves
{
    private const int Width = 900, Height = 450;
    private const string Font = "DejaVu Sans";

    /// <summary>One CSV row per epoch, one column per series (empty where a series has no value).</summary>
    public static void WriteCsv(string path, IReadOnlyDictionary<string, IReadOnlyList<double>> series)
    {
        var names = series.Keys.ToArray();
        int epochs = series.Values.Max(s => s.Count);
        var sb = new StringBuilder("epoch");
        foreach (var n in names) sb.Append(',').Append(n);
        sb.AppendLine();
        for (int e = 0; e < epochs; e++)
        {
            sb.Append(e + 1);
            foreach (var n in names)
            {
                sb.Append(',');
                var s = series[n];
                if (e < s.Count && double.IsFinite(s[e])) sb.Append(s[e].ToString("G6", CultureInfo.InvariantCulture));
            }
            sb.AppendLine();
        }
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>The chart as a scalable SVG (for documents).</summary>
    public static void WriteSvg(string path, string title, IReadOnlyDictionary<string, IReadOnlyList<double>> series)
    {
        // The SVG names the font it was measured with; a viewer without DejaVu Sans should fall back to
        // another sans-serif face rather than to its default serif one.
        if (CreatePlot(title, series) is { } plot)
            File.WriteAllText(path, plot.GetSvgXml(Width, Height).Replace($"font-family=\"{Font}\"", $"font-family=\"{Font}, sans-serif\""));
    }

    /// <summary>The chart as a PNG (for image viewers and chat windows).</summary>
    public static void WritePng(string path, string title, IReadOnlyDictionary<string, IReadOnlyList<double>> series)
    {
        if (CreatePlot(title, series) is { } plot) plot.SavePng(path, Width, Height);
    }

    /// <summary>
    /// A line chart on a log-scaled y axis (losses span orders of magnitude). A series named
    /// <c>val_X</c> is drawn dashed in the colour of <c>X</c>, so each task's training and held-out
    /// curves read as a pair. Null when no series has a positive finite value.
    /// </summary>
    private static Plot? CreatePlot(string title, IReadOnlyDictionary<string, IReadOnlyList<double>> series)
    {
        var finite = series.Values.SelectMany(s => s).Where(v => double.IsFinite(v) && v > 0).ToArray();
        if (finite.Length == 0) return null;

        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("loss (log scale)");
        var palette = new ScottPlot.Palettes.Category10();
        var colours = new Dictionary<string, Color>();
        foreach (var (name, values) in series)
        {
            // ScottPlot has no log axis: plot log10 of the values and label the ticks with the values.
            var points = values.Select((v, e) => (Value: v, Epoch: e + 1)).Where(p => double.IsFinite(p.Value) && p.Value > 0).ToArray();
            if (points.Length == 0) continue;
            bool heldOut = name.StartsWith("val_", StringComparison.Ordinal);
            string task = heldOut ? name["val_".Length..] : name;
            if (!colours.TryGetValue(task, out var colour)) colours[task] = colour = palette.GetColor(colours.Count);
            var line = plot.Add.ScatterLine(points.Select(p => (double)p.Epoch).ToArray(), points.Select(p => Math.Log10(p.Value)).ToArray(), colour);
            line.LegendText = name;
            line.LineWidth = 2;
            line.LinePattern = heldOut ? LinePattern.Dashed : LinePattern.Solid;
        }

        // Labels at 1, 2, 5 per decade, or at every integer multiple when the curves span less than half a
        // decade; the axis runs from the label just below the lowest value to the one just above the highest.
        double lo = Math.Log10(finite.Min()), hi = Math.Log10(finite.Max());
        bool dense = hi - lo < 0.5;
        var candidates = Enumerable.Range((int)Math.Floor(lo) - 1, (int)Math.Ceiling(hi) - (int)Math.Floor(lo) + 3)
            .SelectMany(k => Enumerable.Range(1, 9).Select(m => (Value: m * Math.Pow(10, k), Major: dense || m is 1 or 2 or 5)))
            .ToArray();
        double bottom = candidates.Where(c => c.Major && Math.Log10(c.Value) <= lo + 1e-9).Max(c => Math.Log10(c.Value));
        double top = candidates.Where(c => c.Major && Math.Log10(c.Value) >= hi - 1e-9).Min(c => Math.Log10(c.Value));
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var (value, major) in candidates.Where(c => Math.Log10(c.Value) >= bottom - 1e-9 && Math.Log10(c.Value) <= top + 1e-9))
        {
            if (major) ticks.AddMajor(Math.Log10(value), value.ToString("G3", CultureInfo.InvariantCulture));
            else ticks.AddMinor(Math.Log10(value));
        }
        plot.Axes.SetLimitsY(bottom, top);
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Title.Label.FontSize = 15;
        plot.Font.Set(Font);
        plot.ShowLegend(Edge.Right);
        return plot;
    }
}
