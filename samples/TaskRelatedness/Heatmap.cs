using System.Globalization;
using MultiTask.Diagnostics;
using ScottPlot;

/// <summary>
/// A task matrix as an annotated heatmap (rows: source task, columns: target task), drawn with ScottPlot as SVG and PNG; the
/// diverging colour scale runs from −<c>limit</c> to <c>limit</c> (values beyond take the end colours).
/// </summary>
internal static class Heatmap
{
    public static void Write(string path, string title, TaskMatrix matrix, double limit, string format)
    {
        int t = matrix.Count;
        var values = matrix.ToArray();
        var plot = new Plot();
        plot.Title(title);
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Balance();
        heatmap.ManualRange = new ScottPlot.Range(-limit, limit);
        plot.Add.ColorBar(heatmap);
        // Cell (row i, column j) is centred at x = j, y = t − 1 − i: the first row on top, as in the printed table.
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < t; j++)
            {
                var text = plot.Add.Text(values[i, j].ToString(format, CultureInfo.InvariantCulture), j, t - 1 - i);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = 14;
                text.LabelFontName = "DejaVu Sans";
                // Dark cells (far from 0 on the diverging scale) need light text.
                text.LabelFontColor = Math.Abs(values[i, j]) > 0.6 * limit ? Colors.White : Colors.Black;
            }
        }
        double[] positions = [.. Enumerable.Range(0, t).Select(i => (double)i)];
        plot.Axes.Bottom.SetTicks(positions, [.. matrix.TaskNames]);
        plot.Axes.Left.SetTicks([.. positions.Reverse()], [.. matrix.TaskNames]);
        plot.XLabel("target task j");
        plot.YLabel("source task i");
        plot.Font.Set("DejaVu Sans");
        File.WriteAllText(path + ".svg", plot.GetSvgXml(640, 520).Replace("font-family=\"DejaVu Sans\"", "font-family=\"DejaVu Sans, sans-serif\""));
        plot.SavePng(path + ".png", 640, 520);
    }
}
