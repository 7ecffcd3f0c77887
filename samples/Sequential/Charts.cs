using ScottPlot;

/// <summary>The two parts' charts, drawn with ScottPlot as SVG (for documents) and PNG.</summary>
internal static class Charts
{
    private const int Width = 900, Height = 450;
    private const string Font = "DejaVu Sans";

    /// <summary>The first task's test RMSE after each stage, one line per sequential method, joint training as a dashed line.</summary>
    public static void Forgetting(string path, string name, string[] order, List<ContinualRun> runs)
    {
        var plot = new Plot();
        plot.Title($"{name}: test RMSE of '{order[0]}' as the later tasks are learned");
        plot.XLabel("after learning");
        plot.YLabel($"test RMSE of {order[0]}");
        var palette = new ScottPlot.Palettes.Category10();
        var methods = runs.Select(r => r.Method).Distinct().ToArray();
        double[] stages = [.. Enumerable.Range(0, order.Length).Select(s => (double)s)];
        for (int m = 0; m < methods.Length; m++)
        {
            var mine = runs.Where(r => r.Method == methods[m]).Select(r => r.Results).ToList();
            if (methods[m] == ContinualDemo.Joint)
            {
                var line = plot.Add.HorizontalLine(mine.Average(r => r[0, order[0]]), 2, palette.GetColor(m), LinePattern.Dashed);
                line.LegendText = methods[m];
                continue;
            }
            var scatter = plot.Add.ScatterLine(stages, [.. stages.Select(s => mine.Average(r => r[(int)s, order[0]]))], palette.GetColor(m));
            scatter.LegendText = methods[m];
            scatter.LineWidth = 2;
            scatter.MarkerSize = 7;
        }
        plot.Axes.Bottom.SetTicks(stages, order);
        plot.Axes.Margins(horizontal: 0.1, vertical: 0.1);
        Save(plot, path, Alignment.UpperLeft);
    }

    /// <summary>The new tasks' mean test RMSE after every epoch, one line per method.</summary>
    public static void Transfer(string path, string name, string[] target, List<TransferCurve> curves)
    {
        var plot = new Plot();
        plot.Title($"{name}: new task{(target.Length > 1 ? "s" : "")} {string.Join(", ", target)} from few rows");
        plot.XLabel("epochs");
        plot.YLabel(target.Length > 1 ? "test RMSE (mean over the new tasks)" : "test RMSE");
        var palette = new ScottPlot.Palettes.Category10();
        var methods = curves.Select(c => c.Method).Distinct().ToArray();
        for (int m = 0; m < methods.Length; m++)
        {
            var mine = curves.Where(c => c.Method == methods[m]).ToList();
            int epochs = mine.Min(c => c.Rmse.Length);
            double[] xs = [.. Enumerable.Range(1, epochs).Select(e => (double)e)];
            var line = plot.Add.ScatterLine(xs, [.. xs.Select(e => mine.Average(c => c.Rmse[(int)e - 1]))], palette.GetColor(m));
            line.LegendText = methods[m];
            line.LineWidth = 2;
        }
        Save(plot, path, Alignment.UpperRight);
    }

    private static void Save(Plot plot, string path, Alignment legend)
    {
        plot.Font.Set(Font);
        plot.Legend.FontName = Font;
        plot.ShowLegend(legend);
        // The SVG names the font it was measured with; a viewer without it should fall back to a sans-serif face.
        File.WriteAllText(path + ".svg", plot.GetSvgXml(Width, Height).Replace($"font-family=\"{Font}\"", $"font-family=\"{Font}, sans-serif\""));
        plot.SavePng(path + ".png", Width, Height);
    }
}
