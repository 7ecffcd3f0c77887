using System.Globalization;
using MultiTask.Tasks;

namespace MultiTask.Data;

public sealed partial class MultiTaskDataset
{
    /// <summary>
    /// Reads a CSV file (header row required, invariant culture) into a dataset.
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="schema">The input features.</param>
    /// <param name="tasks">All tasks of the model (the file labels those in <see cref="TableOptions.Labels"/>, default all).</param>
    /// <param name="options">Column mapping, task routing, missing-value tokens and delimiter.</param>
    /// <remarks>See <see cref="FromTable"/> for the rules and errors.</remarks>
    public static MultiTaskDataset FromCsv(string path, FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, CsvOptions? options = null) =>
        FromTable(schema, tasks, Table.FromCsv(path, options), options);

    /// <summary>Reads CSV text (header row required, invariant culture) into a dataset.</summary>
    /// <param name="reader">The CSV text.</param>
    /// <param name="schema">The input features.</param>
    /// <param name="tasks">All tasks of the model.</param>
    /// <param name="options">Column mapping, task routing, missing-value tokens and delimiter.</param>
    /// <param name="name">A name for error messages.</param>
    public static MultiTaskDataset FromCsv(TextReader reader, FeatureSchema schema, IReadOnlyList<TaskSpec> tasks,
        CsvOptions? options = null, string name = "csv") =>
        FromTable(schema, tasks, Table.FromCsv(reader, name, options), options);

    /// <summary>
    /// Builds a dataset from in-memory numeric features (<c>features[row, column]</c>, column names in
    /// <paramref name="featureColumns"/>) and label arrays keyed by target column name (by default the
    /// task name). In arrays, NaN means missing (feature or label); an infinite value is an error.
    /// Categorical features need text: use a <see cref="Table"/> and <see cref="FromTable"/>.
    /// </summary>
    /// <param name="schema">The input features.</param>
    /// <param name="tasks">All tasks of the model.</param>
    /// <param name="features">The feature matrix, one row per example.</param>
    /// <param name="featureColumns">The name of each matrix column.</param>
    /// <param name="labels">Target column name → one value per row (class index for multiclass).</param>
    /// <param name="options">Which tasks these arrays label, renames, etc.</param>
    public static MultiTaskDataset FromArrays(FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, double[,] features,
        IReadOnlyList<string> featureColumns, IReadOnlyDictionary<string, double[]> labels, TableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        int n = features.GetLength(0), c = features.GetLength(1);
        return FromArrays(schema, tasks, Enumerable.Range(0, n).Select(i => Enumerable.Range(0, c).Select(j => features[i, j]).ToArray()).ToArray(),
            featureColumns, labels, options);
    }

    /// <summary>As <see cref="FromArrays(FeatureSchema, IReadOnlyList{TaskSpec}, double[,], IReadOnlyList{string}, IReadOnlyDictionary{string, double[]}, TableOptions?)"/> with one array per row.</summary>
    /// <param name="schema">The input features.</param>
    /// <param name="tasks">All tasks of the model.</param>
    /// <param name="features">One array of feature values per row, all of the same length.</param>
    /// <param name="featureColumns">The name of each position in a row.</param>
    /// <param name="labels">Target column name → one value per row.</param>
    /// <param name="options">Which tasks these arrays label, renames, etc.</param>
    public static MultiTaskDataset FromArrays(FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, double[][] features,
        IReadOnlyList<string> featureColumns, IReadOnlyDictionary<string, double[]> labels, TableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(featureColumns);
        ArgumentNullException.ThrowIfNull(labels);
        var table = new Table("arrays");
        for (int i = 0; i < features.Length; i++)
            if (features[i] is null || features[i].Length != featureColumns.Count)
                throw new ArgumentException(
                    $"Feature row {i} has {features[i]?.Length ?? 0} values but {featureColumns.Count} column names were given ({string.Join(", ", featureColumns)}); give one name per column.",
                    nameof(features));
        for (int j = 0; j < featureColumns.Count; j++)
            table.Add(featureColumns[j], features.Select(row => row[j]).ToArray());
        foreach (var (column, values) in labels)
        {
            if (values is null) throw new ArgumentException($"Labels for column '{column}' are null.", nameof(labels));
            if (values.Length != features.Length)
                throw new ArgumentException(
                    $"Labels '{column}' have {values.Length} values but there are {features.Length} feature rows; give one label per row (NaN = missing).",
                    nameof(labels));
            table.Add(column, values);
        }
        return FromTable(schema, tasks, table, options);
    }

    /// <summary>
    /// Turns a raw <see cref="Table"/> into a dataset over <paramref name="schema"/> and <paramref name="tasks"/>.
    /// </summary>
    /// <param name="schema">The input features (the union over all tasks).</param>
    /// <param name="tasks">All tasks of the model; the table labels those in <see cref="TableOptions.Labels"/> (default all).</param>
    /// <param name="table">The raw columns.</param>
    /// <param name="options">Which tasks the table labels, renames, routing and missing-value tokens.</param>
    /// <remarks>
    /// <para>Rules: every feature and target column of a task the table labels must exist; other schema
    /// features are read when their column exists and are missing otherwise. Numbers are parsed with
    /// the invariant culture. Labels: regression and custom = numbers; binary and multilabel = 0/1 or
    /// true/false; multiclass = class index 0..C-1, or class name when the task has
    /// <see cref="TaskSpec.Classes"/>. A multi-column target must be all present or all missing. Rows with
    /// no label for any task are dropped unless <see cref="TableOptions.KeepUnlabeledRows"/>.</para>
    /// <para>Errors (each names the table, column, row — the 1-based line number for CSV — and the
    /// fix): a missing column; a non-numeric or infinite value in a numeric column; an invalid or
    /// out-of-range label; no rows; a task the table labels that ends up with no labels.</para>
    /// </remarks>
    public static MultiTaskDataset FromTable(FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, Table table, TableOptions? options = null) =>
        FromTableCore(schema, tasks, table, options, chunk: false);

    /// <summary>
    /// As the public overload; with <paramref name="chunk"/> the table is one chunk of a larger source, so
    /// having no rows, no labelled row or no label for a task is not an error here (the whole source is
    /// checked when the encoder is fitted on it).
    /// </summary>
    internal static MultiTaskDataset FromTableCore(FeatureSchema schema, IReadOnlyList<TaskSpec> tasks, Table table, TableOptions? options, bool chunk)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(table);
        options ??= new TableOptions();
        if (schema.Count == 0)
            throw new ArgumentException("The schema has no features; add them with .Numeric(name) or .Categorical(name, categories).", nameof(schema));
        TaskSpec.ValidateAll(tasks, schema);
        var taskArr = tasks.ToArray();
        var reader = new CellReader(table, options);

        var labelled = new bool[taskArr.Length];
        if (options.Labels is null)
            Array.Fill(labelled, true);
        else
            foreach (var name in options.Labels)
                labelled[FindTask(taskArr, name, "TableOptions.Labels")] = true;

        int[]? route = null;
        var routed = new bool[taskArr.Length];
        if (options.TaskColumn is not null || options.TaskValues is not null)
            route = Route(table, taskArr, options, labelled, routed, reader);

        if (table.RowCount == 0 && !chunk)
            throw new ArgumentException($"Table '{table.Name}' has no rows; a dataset needs at least one labelled row.", nameof(table));

        for (int t = 0; t < taskArr.Length; t++)
        {
            if (!labelled[t]) continue;
            foreach (var f in taskArr[t].Features)
                RequireColumn(table, reader.Map(f), $"needed by task '{taskArr[t].Name}' as input feature '{f}'", options);
            foreach (var target in taskArr[t].Targets)
                RequireColumn(table, reader.Map(target),
                    $"the label column of task '{taskArr[t].Name}'; if this table does not label that task, leave it out of TableOptions.Labels", options);
        }

        int n = table.RowCount;
        var targets = new double[taskArr.Length][];
        for (int t = 0; t < taskArr.Length; t++)
        {
            var task = taskArr[t];
            int w = task.TargetWidth;
            var values = new double[n * w];
            Array.Fill(values, double.NaN);
            targets[t] = values;
            if (!labelled[t]) continue;
            for (int r = 0; r < n; r++)
            {
                if (routed[t] && route![r] != t) continue;
                int present = 0;
                for (int j = 0; j < w; j++)
                {
                    double v = reader.Label(task, reader.Map(task.Targets[j]), r);
                    values[r * w + j] = v;
                    if (!double.IsNaN(v)) present++;
                }
                if (present != 0 && present != w)
                    throw new InvalidDataException(
                        $"Task '{task.Name}', table '{table.Name}', {table.RowName(r)}: {present} of its {w} target columns ({string.Join(", ", task.Targets)}) have values; fill all of them or leave all empty (a row is labelled for a task as a whole).");
            }
        }

        var keep = new List<int>(n);
        for (int r = 0; r < n; r++)
        {
            bool any = options.KeepUnlabeledRows;
            for (int t = 0; t < taskArr.Length && !any; t++)
                any = !double.IsNaN(targets[t][r * taskArr[t].TargetWidth]);
            if (any) keep.Add(r);
        }
        if (keep.Count == 0 && !chunk)
            throw new InvalidDataException(
                $"Table '{table.Name}' has {n} rows but none has a label for the tasks it labels ({string.Join(", ", taskArr.Where((_, i) => labelled[i]).Select(t => t.Name))}); check the label columns and TableOptions.TaskValues.");

        for (int t = 0; t < taskArr.Length; t++)
        {
            if (!labelled[t] || chunk) continue;
            bool found = false;
            for (int r = 0; r < n && !found; r++) found = !double.IsNaN(targets[t][r * taskArr[t].TargetWidth]);
            if (!found)
                throw new InvalidDataException(
                    $"Task '{taskArr[t].Name}' has no labels in table '{table.Name}': every value of column '{reader.Map(taskArr[t].Targets[0])}' is missing"
                    + (routed[t] ? $" or no row has {options.TaskColumn} = '{options.TaskValues!.First(p => p.Value == taskArr[t].Name).Key}'" : "")
                    + ". Fix the data, or leave the task out of TableOptions.Labels for this table.");
        }

        var numeric = new double[]?[schema.Count];
        var categorical = new string?[]?[schema.Count];
        for (int f = 0; f < schema.Count; f++)
        {
            var spec = schema.Features[f];
            string column = reader.Map(spec.Name);
            bool has = table.HasColumn(column);
            if (spec.Kind == FeatureKind.Numeric)
            {
                var v = new double[keep.Count];
                for (int i = 0; i < keep.Count; i++) v[i] = has ? reader.Feature(column, keep[i]) : double.NaN;
                numeric[f] = v;
            }
            else
            {
                var v = new string?[keep.Count];
                if (has) for (int i = 0; i < keep.Count; i++) v[i] = reader.Text(column, keep[i]);
                categorical[f] = v;
            }
        }
        var kept = new double[taskArr.Length][];
        for (int t = 0; t < taskArr.Length; t++)
        {
            int w = taskArr[t].TargetWidth;
            var v = new double[keep.Count * w];
            for (int i = 0; i < keep.Count; i++) Array.Copy(targets[t], keep[i] * w, v, i * w, w);
            kept[t] = v;
        }
        return new MultiTaskDataset(schema, taskArr, keep.Count, numeric, categorical, kept);
    }

    private static int[] Route(Table table, TaskSpec[] tasks, TableOptions options, bool[] labelled, bool[] routed, CellReader reader)
    {
        if (options.TaskColumn is null || options.TaskValues is null || options.TaskValues.Count == 0)
            throw new ArgumentException(
                "TableOptions.TaskColumn and TaskValues go together: set the column (e.g. \"type\") and the value → task map (e.g. { [\"Condo\"] = \"condo\" }).",
                nameof(options));
        RequireColumn(table, options.TaskColumn, "TableOptions.TaskColumn", options);
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (value, taskName) in options.TaskValues)
        {
            int t = FindTask(tasks, taskName, $"TableOptions.TaskValues['{value}']");
            if (!labelled[t])
                throw new ArgumentException(
                    $"TableOptions.TaskValues routes '{value}' to task '{taskName}', which is not in TableOptions.Labels; add it there or remove the mapping.",
                    nameof(options));
            map[value.Trim()] = t;
            routed[t] = true;
        }
        var route = new int[table.RowCount];
        for (int r = 0; r < route.Length; r++)
            route[r] = reader.Text(options.TaskColumn, r) is { } v && map.TryGetValue(v, out int t) ? t : -1;
        return route;
    }

    private static int FindTask(TaskSpec[] tasks, string name, string where)
    {
        for (int i = 0; i < tasks.Length; i++)
            if (tasks[i].Name == name) return i;
        throw new ArgumentException(
            $"{where} names task '{name}', which is not among the tasks ({string.Join(", ", tasks.Select(t => t.Name))}); use one of those names.");
    }

    private static void RequireColumn(Table table, string column, string purpose, TableOptions options)
    {
        if (table.HasColumn(column)) return;
        string? similar = table.ColumnNames.FirstOrDefault(c => string.Equals(c, column, StringComparison.OrdinalIgnoreCase));
        throw new InvalidDataException(
            $"Table '{table.Name}' has no column '{column}' ({purpose}). Columns found: {Table.Names(table.ColumnNames)}. "
            + (similar is not null ? $"Did you mean '{similar}'? Column names are case-sensitive; " : "")
            + "Add the column or map it with TableOptions.ColumnMap.");
    }

    /// <summary>Reads and converts cells, producing errors that name table, column, row, value and fix.</summary>
    private sealed class CellReader(Table table, TableOptions options)
    {
        private readonly MissingTokens _missing = new(options.MissingValues);
        private string? _lastName;
        private TableColumn? _last;

        // Cells are read column by column, so the last column found answers almost every lookup.
        private TableColumn Column(string column)
        {
            if (!ReferenceEquals(column, _lastName))
            {
                _last = table.Column(column);
                _lastName = column;
            }
            return _last!;
        }

        public string Map(string name) => options.ColumnMap is not null && options.ColumnMap.TryGetValue(name, out var c) ? c : name;

        public string? Text(string column, int row)
        {
            var col = Column(column);
            if (col.IsText) return col.Text(row, _missing);
            double v = col.Numbers![row];
            return double.IsNaN(v) ? null : v.ToString("R", CultureInfo.InvariantCulture);
        }

        public double Feature(string column, int row)
        {
            double v = Number(column, row, out string? text);
            if (double.IsNaN(v) && text is not null)
                throw new InvalidDataException(
                    $"Column '{column}' of table '{table.Name}', {table.RowName(row)}: '{Table.Excerpt(text)}' is not a number. Fix the value, or leave the cell empty (or NA) to mark it missing.");
            if (double.IsInfinity(v))
                throw new InvalidDataException(
                    $"Column '{column}' of table '{table.Name}', {table.RowName(row)}: value {Show(text, v)} is infinite; input features must be finite. Use NaN (or an empty cell) to mark a missing value.");
            return v;
        }

        public double Label(TaskSpec task, string column, int row)
        {
            // Built only for an error: formatting it for every cell would cost more than reading the cell.
            string Where() => $"Task '{task.Name}' ({task.Kind}), column '{column}' of table '{table.Name}', {table.RowName(row)}";
            if (task.Kind == TaskKind.Multiclass && task.Classes is { } classes)
            {
                var s = Text(column, row);
                if (s is null) return double.NaN;
                for (int i = 0; i < classes.Count; i++)
                    if (classes[i] == s) return i;
                throw new InvalidDataException(
                    $"{Where()}: label '{Table.Excerpt(s)}' is not one of the classes ({string.Join(", ", classes)}). Fix the value, add the class to the task, or leave the cell empty to mark it unlabelled.");
            }
            double v = Number(column, row, out string? text);
            if (task.Kind is TaskKind.Binary or TaskKind.Multilabel && double.IsNaN(v) && text is not null)
            {
                if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase)) return 1;
                if (string.Equals(text, "false", StringComparison.OrdinalIgnoreCase)) return 0;
            }
            if (double.IsNaN(v) && text is not null)
                throw new InvalidDataException(
                    $"{Where()}: label '{Table.Excerpt(text)}' is not {Expected(task)}. Fix the value, or leave the cell empty to mark the row unlabelled.");
            if (double.IsNaN(v)) return v;
            if (double.IsInfinity(v))
                throw new InvalidDataException(
                    $"{Where()}: label {Show(text, v)} is infinite; labels must be finite. Use NaN (or an empty cell) to mark a missing label.");
            switch (task.Kind)
            {
                case TaskKind.Binary or TaskKind.Multilabel when v is not (0 or 1):
                    throw new InvalidDataException(
                        $"{Where()}: label {Show(text, v)} is not {Expected(task)}. Fix the value, or leave the cell empty to mark the row unlabelled.");
                case TaskKind.Multiclass when v != Math.Floor(v) || v < 0 || v >= task.ClassCount:
                    throw new InvalidDataException(
                        $"{Where()}: label {Show(text, v)} is out of range; expected {Expected(task)}. Fix the value, raise the class count, or leave the cell empty to mark the row unlabelled.");
            }
            return v;
        }

        private double Number(string column, int row, out string? text)
        {
            var col = Column(column);
            if (col.Numbers is { } numbers)
            {
                text = null;
                return numbers[row];
            }
            return col.Number(row, _missing, out text);
        }

        private static string Show(string? text, double v) => text is not null ? $"'{Table.Excerpt(text)}'" : v.ToString("R", CultureInfo.InvariantCulture);

        private static string Expected(TaskSpec task) => task.Kind switch
        {
            TaskKind.Binary or TaskKind.Multilabel => "a binary label: use 0/1 or true/false",
            TaskKind.Multiclass => $"a class index 0..{task.ClassCount - 1} (or give class names with TaskSpec.Multiclass(name, classes, ...))",
            _ => "a number",
        };
    }
}
