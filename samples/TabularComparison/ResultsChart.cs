using ScottPlot;

/// <summary>
/// The comparison at a glance: per scored task, each library method's mean RMSE relative to the best tool a
/// tabular user would pick instead (scikit-learn's trees, ridge or PLS, whichever is best there); below zero
/// means the library is better. Drawn with ScottPlot as SVG and PNG.
/// </summary>
internal static class ResultsChart
{
    private static readonly string[] Shown = [Methods.Recommended, Methods.Selected, "recipe: single-task", "recipe: pooled"];

    public static void Write(string svgPath, string pngPath, IReadOnlyList<Score> scores)
    {
        var groups = scores.Select(s => (s.Case, s.Task)).Distinct()
            .Where(g => scores.Any(s => (s.Case, s.Task) == g && s.Method.StartsWith("sklearn", StringComparison.Ordinal))
                     && scores.Any(s => (s.Case, s.Task) == g && s.Method == Methods.Recommended))
            .ToList();
        if (groups.Count == 0) return;
        var plot = new Plot();
        plot.Title("Library methods against the best of scikit-learn's trees, ridge and PLS");
        plot.YLabel("mean RMSE vs the best external tool (%)");
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        for (int g = 0; g < groups.Count; g++)
        {
            var (@case, task) = groups[g];
            double best = scores.Where(s => s.Case == @case && s.Task == task && s.Method.StartsWith("sklearn", StringComparison.Ordinal))
                .GroupBy(s => s.Method).Min(m => m.Average(s => s.Rmse));
            for (int m = 0; m < Shown.Length; m++)
            {
                var mine = scores.Where(s => s.Case == @case && s.Task == task && s.Method == Shown[m]).ToList();
                if (mine.Count == 0) continue;
                bars.Add(new Bar
                {
                    Position = g * (Shown.Length + 1) + m,
                    Value = 100 * (mine.Average(s => s.Rmse) / best - 1),
                    FillColor = palette.GetColor(m),
                });
            }
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(
            [.. groups.Select((_, g) => g * (Shown.Length + 1) + (Shown.Length - 1) / 2.0)],
            [.. groups.Select(g => $"{g.Case}\n{g.Task}")]);
        plot.Add.HorizontalLine(0, 1, Colors.Black);
        for (int m = 0; m < Shown.Length; m++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = Shown[m], FillColor = palette.GetColor(m) });
        plot.ShowLegend(Alignment.UpperRight);
        plot.Font.Set("DejaVu Sans");
        plot.Legend.FontName = "DejaVu Sans";
        File.WriteAllText(svgPath, plot.GetSvgXml(1000, 500).Replace("font-family=\"DejaVu Sans\"", "font-family=\"DejaVu Sans, sans-serif\""));
        plot.SavePng(pngPath, 1000, 500);
    }
}
