using System.Globalization;
using System.Text;

/// <summary>Writes per-epoch curves as CSV (for spreadsheets) and as a self-contained SVG line chart.</summary>
internal static class TrainingCurves
{
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

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

    /// <summary>A line chart with a log-scaled y axis (losses span orders of magnitude), axes and a legend.</summary>
    public static void WriteSvg(string path, string title, IReadOnlyDictionary<string, IReadOnlyList<double>> series)
    {
        const int W = 720, H = 420, L = 70, R = 190, T = 40, B = 50;
        var finite = series.Values.SelectMany(s => s).Where(v => double.IsFinite(v) && v > 0).ToArray();
        if (finite.Length == 0) return;
        double lo = Math.Log10(finite.Min()), hi = Math.Log10(finite.Max());
        if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
        int epochs = Math.Max(2, series.Values.Max(s => s.Count));
        double X(int e) => L + (W - L - R) * e / (double)(epochs - 1);
        double Y(double v) => T + (H - T - B) * (1 - (Math.Log10(v) - lo) / (hi - lo));
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

        var sb = new StringBuilder();
        sb.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">");
        sb.AppendLine($"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>");
        sb.AppendLine($"<text x=\"{W / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>");
        sb.AppendLine($"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"black\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"black\"/>");
        for (int k = (int)Math.Floor(lo); k <= (int)Math.Ceiling(hi); k++)
        {
            foreach (int m in new[] { 1, 2, 5 })
            {
                double v = m * Math.Pow(10, k);
                if (Math.Log10(v) < lo || Math.Log10(v) > hi) continue;
                double y = Y(v);
                sb.AppendLine($"<line x1=\"{L}\" y1=\"{F(y)}\" x2=\"{W - R}\" y2=\"{F(y)}\" stroke=\"#ddd\"/><text x=\"{L - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{v.ToString("G3", CultureInfo.InvariantCulture)}</text>");
            }
        }
        for (int i = 0; i <= 4; i++)
        {
            int e = (int)Math.Round((epochs - 1) * i / 4.0);
            sb.AppendLine($"<text x=\"{F(X(e))}\" y=\"{H - B + 18}\" text-anchor=\"middle\">{e + 1}</text>");
        }
        sb.AppendLine($"<text x=\"{(L + W - R) / 2}\" y=\"{H - 12}\" text-anchor=\"middle\">epoch</text>");
        int index = 0;
        foreach (var (name, values) in series)
        {
            string color = Palette[index % Palette.Length];
            var points = values.Select((v, e) => (v, e)).Where(p => double.IsFinite(p.v) && p.v > 0).Select(p => $"{F(X(p.e))},{F(Y(p.v))}");
            sb.AppendLine($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\" points=\"{string.Join(' ', points)}\"/>");
            double ly = T + 10 + 18 * index;
            sb.AppendLine($"<line x1=\"{W - R + 12}\" y1=\"{F(ly)}\" x2=\"{W - R + 32}\" y2=\"{F(ly)}\" stroke=\"{color}\" stroke-width=\"2\"/><text x=\"{W - R + 38}\" y=\"{F(ly + 4)}\">{Escape(name)}</text>");
            index++;
        }
        sb.AppendLine("</svg>");
        File.WriteAllText(path, sb.ToString());
    }

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
