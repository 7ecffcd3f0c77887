using ScottPlot;

/// <summary>
/// Each method's mean absolute error of p̂(convert | click, x) against the truth, over every test impression and over the
/// niche items' impressions, as grouped bars; drawn with ScottPlot as SVG and PNG.
/// </summary>
internal static class Chart
{
    public static void Write(string path, IReadOnlyList<string> methods, IReadOnlyList<double> all, IReadOnlyList<double> niche)
    {
        var plot = new Plot();
        plot.Title("Conversion-rate error against the generator's truth, every impression");
        plot.YLabel("mean |p̂(convert | click, x) − p(convert | click, x)|");
        var palette = new ScottPlot.Palettes.Category10();
        string[] groups = ["all impressions", "niche items"];
        var bars = new List<Bar>();
        for (int m = 0; m < methods.Count; m++)
        {
            bars.Add(new Bar { Position = m, Value = all[m], FillColor = palette.GetColor(m) });
            bars.Add(new Bar { Position = methods.Count + 1 + m, Value = niche[m], FillColor = palette.GetColor(m) });
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([(methods.Count - 1) / 2.0, methods.Count + 1 + (methods.Count - 1) / 2.0], groups);
        plot.Axes.Margins(bottom: 0);
        for (int m = 0; m < methods.Count; m++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = methods[m], FillColor = palette.GetColor(m) });
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Font.Set("DejaVu Sans");
        plot.Legend.FontName = "DejaVu Sans";
        File.WriteAllText(path + ".svg", plot.GetSvgXml(800, 480).Replace("font-family=\"DejaVu Sans\"", "font-family=\"DejaVu Sans, sans-serif\""));
        plot.SavePng(path + ".png", 800, 480);
    }

    /// <summary>
    /// Each expert model's gates as a heatmap: one row per gate (task, or a shared gate), one column per expert, colour the
    /// mean gate weight (blank where a gate cannot use the expert); the models side by side.
    /// </summary>
    public static void WriteUtilisation(string path, IReadOnlyList<(string Name, MultiTask.Architectures.ExpertUtilisation Table)> models)
    {
        if (models.Count == 0) return;
        var multiplot = new Multiplot();
        multiplot.AddPlots(models.Count);
        for (int m = 0; m < models.Count; m++)
        {
            var (name, table) = models[m];
            var values = new double[table.Gates.Count, table.Experts.Count];
            for (int g = 0; g < table.Gates.Count; g++)
                for (int e = 0; e < table.Experts.Count; e++) values[g, e] = table[g, e];
            var plot = multiplot.GetPlot(m);
            var heatmap = plot.Add.Heatmap(values);
            heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
            heatmap.ManualRange = new ScottPlot.Range(0, 1);
            plot.Add.ColorBar(heatmap);
            plot.Title($"{name}: mean gate weight");
            plot.Axes.Left.SetTicks([.. Enumerable.Range(0, table.Gates.Count).Select(g => (double)(table.Gates.Count - 1 - g))], [.. table.Gates]);
            plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, table.Experts.Count).Select(e => (double)e)], [.. table.Experts.Select(Short)]);
            plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
            plot.Font.Set("DejaVu Sans");
        }
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.SavePng(path + ".png", 420 * models.Count, 360);
    }

    // "task_experts.0.ctr.1" → "ctr.1", "experts.3" → "3", "shared_experts.0.1" → "shared.1": short enough for an axis.
    private static string Short(string expert) => expert.Replace("task_experts.0.", "").Replace("shared_experts.0.", "shared.").Replace("experts.", "");
}
