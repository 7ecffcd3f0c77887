using System.Globalization;
using System.Text;

namespace MultiTask.Diagnostics;

/// <summary>
/// A read-only T×T matrix over a model's tasks (row = source task i, column = target task j), e.g. the mean gradient
/// cosine or the inter-task affinity Z[i→j]. An entry that was never measured is NaN.
/// </summary>
public sealed class TaskMatrix
{
    private readonly double[,] _values;
    private readonly string[] _names;

    /// <summary>Creates a matrix.</summary>
    /// <param name="taskNames">The task names (rows and columns, in order).</param>
    /// <param name="values">A T×T array; copied.</param>
    /// <exception cref="ArgumentException">The array is not T×T or a name repeats.</exception>
    public TaskMatrix(IReadOnlyList<string> taskNames, double[,] values)
    {
        ArgumentNullException.ThrowIfNull(taskNames);
        ArgumentNullException.ThrowIfNull(values);
        int t = taskNames.Count;
        if (values.GetLength(0) != t || values.GetLength(1) != t)
            throw new ArgumentException($"The values are {values.GetLength(0)}×{values.GetLength(1)} but there are {t} tasks; pass a {t}×{t} array.", nameof(values));
        if (taskNames.Distinct(StringComparer.Ordinal).Count() != t)
            throw new ArgumentException($"The task names repeat ({string.Join(", ", taskNames)}); give each task once.", nameof(taskNames));
        _names = [.. taskNames];
        _values = (double[,])values.Clone();
    }

    /// <summary>The task names, in row (and column) order.</summary>
    public IReadOnlyList<string> TaskNames => _names;

    /// <summary>The number of tasks.</summary>
    public int Count => _names.Length;

    /// <summary>The entry of row <paramref name="i"/> (source task) and column <paramref name="j"/> (target task).</summary>
    /// <param name="i">The row.</param>
    /// <param name="j">The column.</param>
    public double this[int i, int j] => _values[i, j];

    /// <summary>The entry of task <paramref name="from"/>'s row and task <paramref name="to"/>'s column.</summary>
    /// <param name="from">The source task.</param>
    /// <param name="to">The target task.</param>
    /// <exception cref="ArgumentException">A name is not a task of the matrix.</exception>
    public double this[string from, string to] => _values[IndexOf(from), IndexOf(to)];

    /// <summary>The index of a task.</summary>
    /// <param name="task">The task name.</param>
    /// <returns>Its row (and column).</returns>
    /// <exception cref="ArgumentException">The name is not a task of the matrix; the message lists them.</exception>
    public int IndexOf(string task)
    {
        int i = Array.IndexOf(_names, task);
        return i >= 0 ? i : throw new ArgumentException($"Unknown task '{task}'; the tasks are {string.Join(", ", _names)}.", nameof(task));
    }

    /// <summary>A copy of the values.</summary>
    /// <returns>A T×T array.</returns>
    public double[,] ToArray() => (double[,])_values.Clone();

    /// <summary>A table: one row per source task, one column per target task, values with <paramref name="format"/>.</summary>
    /// <param name="format">A numeric format (default three decimals).</param>
    /// <returns>The table.</returns>
    public string ToString(string format)
    {
        var cells = new string[Count + 1, Count + 1];
        cells[0, 0] = "";
        for (int i = 0; i < Count; i++)
        {
            cells[0, i + 1] = _names[i];
            cells[i + 1, 0] = _names[i];
            for (int j = 0; j < Count; j++) cells[i + 1, j + 1] = _values[i, j].ToString(format, CultureInfo.InvariantCulture);
        }
        var widths = new int[Count + 1];
        for (int c = 0; c <= Count; c++)
            for (int r = 0; r <= Count; r++) widths[c] = Math.Max(widths[c], cells[r, c].Length);
        var sb = new StringBuilder();
        for (int r = 0; r <= Count; r++)
        {
            sb.Append(cells[r, 0].PadRight(widths[0]));
            for (int c = 1; c <= Count; c++) sb.Append("  ").Append(cells[r, c].PadLeft(widths[c]));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToString("0.000");
}
