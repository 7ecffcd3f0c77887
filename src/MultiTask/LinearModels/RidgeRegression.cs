using MultiTask.Data;
using MultiTask.Tasks;

namespace MultiTask.LinearModels;

/// <summary>
/// Linear least squares with an L2 penalty, <c>min ‖y − Xw − b‖² + α‖w‖²</c> (intercept not penalised),
/// with α chosen from a grid by exact leave-one-out cross-validation, as scikit-learn's <c>RidgeCV</c>
/// does by default.
/// </summary>
/// <remarks>
/// <para>One eigen-decomposition of the centred Gram matrix (XᵀX or XXᵀ, whichever is smaller) gives the
/// solution and the hat-matrix diagonal hᵢᵢ for every α at the cost of a matrix-vector product, and the
/// leave-one-out residual of row i is eᵢ / (1 − hᵢᵢ) (Golub, Heath and Wahba, 1979), so the whole grid costs
/// little more than one fit.</para>
/// <para>It is the baseline a tabular user compares a network with, and the closed-form start of a
/// wide (linear) path: a network whose linear part starts at the ridge solution begins where ridge ends.</para>
/// </remarks>
public sealed class RidgeRegression
{
    private readonly double[] _weights;

    private RidgeRegression(double[] weights, double intercept, double alpha, double looMse, string? task)
    {
        _weights = weights;
        Intercept = intercept;
        Alpha = alpha;
        LeaveOneOutMse = looMse;
        Task = task;
    }

    /// <summary>The default penalty grid: 49 values from 1e-6 to 1e6, evenly spaced in log scale.</summary>
    public static IReadOnlyList<double> DefaultAlphas { get; } = Enumerable.Range(0, 49).Select(i => Math.Pow(10, -6 + i * 0.25)).ToArray();

    /// <summary>One weight per input column.</summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <summary>The intercept b.</summary>
    public double Intercept { get; }

    /// <summary>The chosen penalty α.</summary>
    public double Alpha { get; }

    /// <summary>The leave-one-out mean squared error at <see cref="Alpha"/> (in the units of the fitted targets).</summary>
    public double LeaveOneOutMse { get; }

    /// <summary>The task this model was fitted for, when fitted with <see cref="Fit(EncodedData, string, IReadOnlyList{double}?)"/>.</summary>
    public string? Task { get; }

    /// <summary>Fits a ridge regression to the row-major matrix <paramref name="x"/> [rows, columns] and targets <paramref name="y"/>.</summary>
    /// <param name="x">The inputs, row-major, finite.</param>
    /// <param name="rows">The number of rows (at least 2).</param>
    /// <param name="columns">The number of columns (at least 1).</param>
    /// <param name="y">One finite target per row.</param>
    /// <param name="alphas">The penalty grid (positive values); default <see cref="DefaultAlphas"/>.</param>
    /// <returns>The model at the α with the lowest leave-one-out error.</returns>
    /// <exception cref="ArgumentException">Mismatched sizes, fewer than two rows, non-finite values or an invalid grid.</exception>
    public static RidgeRegression Fit(ReadOnlySpan<float> x, int rows, int columns, ReadOnlySpan<double> y, IReadOnlyList<double>? alphas = null) =>
        FitCore(x, rows, columns, y, alphas, task: null);

    /// <summary>
    /// Fits a ridge regression to the labelled rows of a one-output regression <paramref name="task"/> of
    /// <paramref name="data"/>, on the encoded inputs and the encoded (e.g. standardised) targets.
    /// </summary>
    /// <param name="data">Encoded training data.</param>
    /// <param name="task">A regression task of the data with at least two labelled rows.</param>
    /// <param name="alphas">The penalty grid; default <see cref="DefaultAlphas"/>.</param>
    /// <returns>The fitted model; <see cref="Predict(EncodedData)"/> maps its predictions back to user units.</returns>
    /// <exception cref="ArgumentException">The task is not a regression task or has fewer than two labels.</exception>
    public static RidgeRegression Fit(EncodedData data, string task, IReadOnlyList<double>? alphas = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        int t = data.TaskIndex(task);
        if (data.Tasks[t].Kind != TaskKind.Regression)
            throw new ArgumentException($"Task '{task}' is a {data.Tasks[t].Kind} task; ridge regression fits regression tasks only.", nameof(task));
        var rows = data.LabeledRows(t);
        if (rows.Count < 2)
            throw new ArgumentException($"Task '{task}' has {rows.Count} labelled rows; ridge regression needs at least 2.", nameof(data));
        int width = data.Width;
        var all = data.Features.AsSpan();
        var targets = data.Targets(t).AsSpan();
        var x = new float[rows.Count * width];
        var y = new double[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            all.Slice(rows[i] * width, width).CopyTo(x.AsSpan(i * width, width));
            y[i] = targets[rows[i]];
        }
        return FitCore(x, rows.Count, width, y, alphas, data.Tasks[t].Name);
    }

    /// <summary>The prediction for one input row, in the units of the fitted targets.</summary>
    /// <exception cref="ArgumentException">The row has another width.</exception>
    public double Predict(ReadOnlySpan<float> row)
    {
        if (row.Length != _weights.Length)
            throw new ArgumentException($"The row has {row.Length} columns but the model was fitted on {_weights.Length}.", nameof(row));
        double sum = Intercept;
        for (int j = 0; j < row.Length; j++) sum += _weights[j] * row[j];
        return sum;
    }

    /// <summary>Predictions for every row of <paramref name="data"/> in user units (the task's target transform undone).</summary>
    /// <exception cref="InvalidOperationException">The model was fitted on a raw matrix, not on a task.</exception>
    public float[] Predict(EncodedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Task is null)
            throw new InvalidOperationException("This model was fitted on a raw matrix; call Predict(row) per row, or fit it with Fit(data, task).");
        var x = data.Features.AsSpan();
        var result = new float[data.RowCount];
        for (int r = 0; r < result.Length; r++) result[r] = (float)Predict(x.Slice(r * data.Width, data.Width));
        return data.Encoder.InverseTarget(Task, result);
    }

    private static RidgeRegression FitCore(ReadOnlySpan<float> x, int n, int d, ReadOnlySpan<double> y, IReadOnlyList<double>? alphas, string? task)
    {
        if (n < 2) throw new ArgumentException($"Ridge regression needs at least 2 rows, got {n}.", nameof(n));
        if (d < 1) throw new ArgumentException($"Ridge regression needs at least 1 column, got {d}.", nameof(d));
        if (x.Length != n * d) throw new ArgumentException($"The input has {x.Length} values but rows x columns is {n} x {d}.", nameof(x));
        if (y.Length != n) throw new ArgumentException($"There are {y.Length} targets for {n} rows.", nameof(y));
        alphas ??= DefaultAlphas;
        if (alphas.Count == 0 || alphas.Any(a => !(a > 0) || !double.IsFinite(a)))
            throw new ArgumentException("The α grid must hold at least one positive, finite value.", nameof(alphas));

        // Centre columns and targets: the intercept is then the means' difference and is not penalised.
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                float v = x[i * d + j];
                if (!float.IsFinite(v)) throw new ArgumentException($"Input row {i}, column {j} is {v}; ridge regression needs finite inputs.", nameof(x));
                mean[j] += v;
            }
        for (int j = 0; j < d; j++) mean[j] /= n;
        double yMean = 0;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(y[i])) throw new ArgumentException($"Target {i} is {y[i]}; ridge regression needs finite targets.", nameof(y));
            yMean += y[i];
        }
        yMean /= n;
        var xc = new double[n * d];
        var yc = new double[n];
        for (int i = 0; i < n; i++)
        {
            yc[i] = y[i] - yMean;
            for (int j = 0; j < d; j++) xc[i * d + j] = x[i * d + j] - mean[j];
        }

        // Eigen-decompose the smaller Gram matrix. Primal (d <= n): XᵀX = V Λ Vᵀ, Z = X V.
        // Dual (n < d): XXᵀ = U Λ Uᵀ, Z = U Λ^½ — in both, the hat matrix is Σ_k z_k z_kᵀ / (λ_k + α).
        bool primal = d <= n;
        int m = primal ? d : n;
        var gram = new double[m * m];
        if (primal)
        {
            for (int i = 0; i < n; i++)
                for (int p = 0; p < d; p++)
                {
                    double xp = xc[i * d + p];
                    if (xp == 0) continue;
                    for (int q = p; q < d; q++) gram[p * d + q] += xp * xc[i * d + q];
                }
        }
        else
        {
            for (int i = 0; i < n; i++)
                for (int k = i; k < n; k++)
                {
                    double s = 0;
                    for (int j = 0; j < d; j++) s += xc[i * d + j] * xc[k * d + j];
                    gram[i * n + k] = s;
                }
        }
        for (int p = 0; p < m; p++)
            for (int q = p + 1; q < m; q++) gram[q * m + p] = gram[p * m + q];
        var (lambda, vectors) = SymmetricEigen.Decompose(gram, m);
        for (int k = 0; k < m; k++) lambda[k] = Math.Max(lambda[k], 0);

        // z = Zᵀ-coordinates of each row; zy = Zᵀ y.
        var z = new double[n * m];
        if (primal)
        {
            for (int i = 0; i < n; i++)
                for (int k = 0; k < m; k++)
                {
                    double s = 0;
                    for (int j = 0; j < d; j++) s += xc[i * d + j] * vectors[j * m + k];
                    z[i * m + k] = s;
                }
        }
        else
        {
            for (int i = 0; i < n; i++)
                for (int k = 0; k < m; k++) z[i * m + k] = vectors[i * m + k] * Math.Sqrt(lambda[k]);
        }
        var zy = new double[m];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < m; k++) zy[k] += z[i * m + k] * yc[i];

        double bestMse = double.PositiveInfinity, bestAlpha = alphas[0];
        foreach (double alpha in alphas)
        {
            double sse = 0;
            for (int i = 0; i < n; i++)
            {
                double fit = 0, h = 1.0 / n;
                for (int k = 0; k < m; k++)
                {
                    double zik = z[i * m + k], inv = 1 / (lambda[k] + alpha);
                    fit += zik * zy[k] * inv;
                    h += zik * zik * inv;
                }
                double e = (yc[i] - fit) / Math.Max(1 - h, 1e-12);
                sse += e * e;
            }
            if (sse / n < bestMse)
            {
                bestMse = sse / n;
                bestAlpha = alpha;
            }
        }

        // w = V diag(1/(λ+α)) Vᵀ Xᵀy (primal) or Xᵀ U diag(1/(λ+α)) Uᵀ y (dual).
        var w = new double[d];
        if (primal)
        {
            for (int k = 0; k < m; k++)
            {
                double c = zy[k] / (lambda[k] + bestAlpha);
                for (int j = 0; j < d; j++) w[j] += vectors[j * m + k] * c;
            }
        }
        else
        {
            var dual = new double[n];
            for (int k = 0; k < m; k++)
            {
                double uy = 0;
                for (int i = 0; i < n; i++) uy += vectors[i * m + k] * yc[i];
                double c = uy / (lambda[k] + bestAlpha);
                for (int i = 0; i < n; i++) dual[i] += vectors[i * m + k] * c;
            }
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++) w[j] += xc[i * d + j] * dual[i];
        }
        double intercept = yMean;
        for (int j = 0; j < d; j++) intercept -= w[j] * mean[j];
        return new RidgeRegression(w, intercept, bestAlpha, bestMse, task);
    }
}
