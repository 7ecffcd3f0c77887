using System.Globalization;
using System.Text;

namespace MultiTask.Architectures;

/// <summary>
/// How much each gate of an expert model uses each expert: the mean, over a set of inputs, of the gate's weight on
/// the expert. One row per gate (a task's gate, or a PLE level's shared gate), one column per expert; NaN where a
/// gate does not mix that expert (another task's experts in PLE).
/// </summary>
public sealed class ExpertUtilisation
{
    private readonly double[,] _weights;

    /// <summary>Creates the table.</summary>
    /// <param name="gates">The label of each row (a task name, or "shared" for a shared gate).</param>
    /// <param name="experts">The label of each column.</param>
    /// <param name="weights">[gates, experts] mean weights; NaN where the gate does not mix the expert.</param>
    /// <exception cref="ArgumentException">The labels do not match the matrix's shape.</exception>
    public ExpertUtilisation(IReadOnlyList<string> gates, IReadOnlyList<string> experts, double[,] weights)
    {
        ArgumentNullException.ThrowIfNull(gates);
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.GetLength(0) != gates.Count || weights.GetLength(1) != experts.Count)
            throw new ArgumentException(
                $"The weights are [{weights.GetLength(0)}, {weights.GetLength(1)}] but there are {gates.Count} gate labels and {experts.Count} expert labels.", nameof(weights));
        Gates = [.. gates];
        Experts = [.. experts];
        _weights = (double[,])weights.Clone();
    }

    /// <summary>The label of each row: the task whose gate it is, or "shared" for a shared gate.</summary>
    public IReadOnlyList<string> Gates { get; }

    /// <summary>The label of each column (the expert's module name, e.g. <c>experts.3</c> or <c>task_experts.0.house.1</c>).</summary>
    public IReadOnlyList<string> Experts { get; }

    /// <summary>The mean weight of row <paramref name="gate"/> on column <paramref name="expert"/>; NaN where the gate does not mix it.</summary>
    public double this[int gate, int expert] => _weights[gate, expert];

    /// <summary>The mean weight of the gate labelled <paramref name="gate"/> on the expert labelled <paramref name="expert"/>.</summary>
    /// <exception cref="KeyNotFoundException">An unknown label; the message lists the known ones.</exception>
    public double this[string gate, string expert] => _weights[Find(Gates, gate, "gate"), Find(Experts, expert, "expert")];

    /// <summary>The table, one row per gate, weights to three decimals ("-" where the gate does not mix the expert).</summary>
    public override string ToString()
    {
        var cells = new string[Gates.Count + 1, Experts.Count + 1];
        cells[0, 0] = "gate";
        for (int e = 0; e < Experts.Count; e++) cells[0, e + 1] = Experts[e];
        for (int g = 0; g < Gates.Count; g++)
        {
            cells[g + 1, 0] = Gates[g];
            for (int e = 0; e < Experts.Count; e++)
                cells[g + 1, e + 1] = double.IsNaN(_weights[g, e]) ? "-" : _weights[g, e].ToString("0.000", CultureInfo.InvariantCulture);
        }
        var widths = new int[Experts.Count + 1];
        for (int c = 0; c <= Experts.Count; c++)
            for (int r = 0; r <= Gates.Count; r++) widths[c] = Math.Max(widths[c], cells[r, c].Length);
        var text = new StringBuilder();
        for (int r = 0; r <= Gates.Count; r++)
        {
            for (int c = 0; c <= Experts.Count; c++)
            {
                if (c > 0) text.Append("  ");
                text.Append(c == 0 ? cells[r, c].PadRight(widths[c]) : cells[r, c].PadLeft(widths[c]));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static int Find(IReadOnlyList<string> labels, string label, string what)
    {
        ArgumentNullException.ThrowIfNull(label);
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] == label) return i;
        throw new KeyNotFoundException($"There is no {what} '{label}'; the {what}s are: {string.Join(", ", labels.Select(l => $"'{l}'"))}.");
    }
}
