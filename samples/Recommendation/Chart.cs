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
}
