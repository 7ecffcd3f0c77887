namespace MultiTask.Weighting.Solvers;

/// <summary>
/// The Gram matrix Gᵢⱼ = gᵢ·gⱼ of the present tasks' gradients, and the dense linear algebra on it that
/// the solvers share (all T×T, T being the number of tasks, so plain loops suffice).
/// </summary>
internal static class GramMatrix
{
    /// <summary>The Gram matrix of the given vectors, accumulated in double.</summary>
    public static double[,] Of(IReadOnlyList<float[]> vectors)
    {
        int n = vectors.Count;
        var gram = new double[n, n];
        for (int a = 0; a < n; a++)
            for (int b = a; b < n; b++)
                gram[a, b] = gram[b, a] = GradientVectors.Dot(vectors[a], vectors[b]);
        return gram;
    }

    /// <summary>Throws unless <paramref name="gram"/> is square, finite and symmetric (up to rounding).</summary>
    public static int Validate(double[,] gram, string parameterName)
    {
        int n = ValidateShape(gram, parameterName);
        double scale = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (!double.IsFinite(gram[i, j]))
                    throw new ArgumentException($"The Gram matrix has a non-finite entry {gram[i, j]} at ({i}, {j}); a task gradient holds NaN or infinity.", parameterName);
                scale = Math.Max(scale, Math.Abs(gram[i, j]));
            }
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (Math.Abs(gram[i, j] - gram[j, i]) > 1e-9 * scale)
                    throw new ArgumentException($"The Gram matrix is not symmetric: ({i}, {j}) is {gram[i, j]:G6} but ({j}, {i}) is {gram[j, i]:G6}.", parameterName);
        return n;
    }

    /// <summary>Throws unless <paramref name="gram"/> is square and non-empty.</summary>
    public static int ValidateShape(double[,] gram, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(gram, parameterName);
        int n = gram.GetLength(0);
        if (n == 0 || gram.GetLength(1) != n)
            throw new ArgumentException($"The Gram matrix must be square and non-empty, got {gram.GetLength(0)}×{gram.GetLength(1)}.", parameterName);
        return n;
    }

    /// <summary>The largest absolute diagonal entry (the squared norm of the longest vector), at least <paramref name="floor"/>.</summary>
    public static double MaxDiagonal(double[,] gram, double floor = 0)
    {
        double max = floor;
        for (int i = 0; i < gram.GetLength(0); i++) max = Math.Max(max, Math.Abs(gram[i, i]));
        return max;
    }

    /// <summary>y = A·x.</summary>
    public static double[] Multiply(double[,] a, IReadOnlyList<double> x)
    {
        int n = a.GetLength(0);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < x.Count; j++) sum += a[i, j] * x[j];
            y[i] = sum;
        }
        return y;
    }

    /// <summary>xᵀ·A·y.</summary>
    public static double Quadratic(double[,] a, IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double sum = 0;
        for (int i = 0; i < x.Count; i++)
            for (int j = 0; j < y.Count; j++) sum += x[i] * a[i, j] * y[j];
        return sum;
    }

    /// <summary>
    /// Solves A_SS·x = b_S for the symmetric positive semi-definite block of A on the indices S, by Cholesky with
    /// symmetric pivoting. A pivot below <paramref name="relativeTolerance"/> times the largest diagonal entry is
    /// a direction A does not see (linearly dependent gradients); its unknown is set to 0, which still solves a
    /// consistent system.
    /// </summary>
    public static double[] SolveSemiDefinite(double[,] a, IReadOnlyList<int> indices, IReadOnlyList<double> b, double relativeTolerance = 1e-13)
    {
        int n = indices.Count;
        var l = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) l[i, j] = a[indices[i], indices[j]];
        var rhs = new double[n];
        for (int i = 0; i < n; i++) rhs[i] = b[i];
        var order = Enumerable.Range(0, n).ToArray();
        double largest = 0;
        for (int i = 0; i < n; i++) largest = Math.Max(largest, l[i, i]);
        double threshold = relativeTolerance * largest;
        int rank = 0;
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < n; i++)
                if (l[i, i] > l[pivot, pivot]) pivot = i;
            if (!(l[pivot, pivot] > threshold)) break;
            SwapSymmetric(l, k, pivot);
            (order[k], order[pivot]) = (order[pivot], order[k]);
            (rhs[k], rhs[pivot]) = (rhs[pivot], rhs[k]);
            double d = Math.Sqrt(l[k, k]);
            l[k, k] = d;
            for (int i = k + 1; i < n; i++) l[i, k] /= d;
            for (int j = k + 1; j < n; j++)
                for (int i = j; i < n; i++)
                {
                    l[i, j] -= l[i, k] * l[j, k];
                    l[j, i] = l[i, j];
                }
            rank++;
        }
        // Forward and back substitution on the leading rank×rank factor; the rest stay 0.
        var y = new double[n];
        for (int i = 0; i < rank; i++)
        {
            double sum = rhs[i];
            for (int k = 0; k < i; k++) sum -= l[i, k] * y[k];
            y[i] = sum / l[i, i];
        }
        var permuted = new double[n];
        for (int i = rank - 1; i >= 0; i--)
        {
            double sum = y[i];
            for (int k = i + 1; k < rank; k++) sum -= l[k, i] * permuted[k];
            permuted[i] = sum / l[i, i];
        }
        var x = new double[n];
        for (int i = 0; i < n; i++) x[order[i]] = permuted[i];
        return x;
    }

    /// <summary>
    /// Eigenvalues (descending) and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations,
    /// which for the T×T matrices here converge to full precision in a few sweeps.
    /// </summary>
    public static (double[] Values, double[,] Vectors) SymmetricEigen(double[,] a, int maxSweeps = 100)
    {
        int n = a.GetLength(0);
        var m = (double[,])a.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++) v[i, i] = 1;
        int sweep = 0;
        double off = 0;
        for (; sweep < maxSweeps; sweep++)
        {
            off = 0;
            double total = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    total += m[i, j] * m[i, j];
                    if (i != j) off += m[i, j] * m[i, j];
                }
            if (off <= 1e-30 * total || off == 0) break;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                {
                    if (m[p, q] == 0) continue;
                    double theta = (m[q, q] - m[p, p]) / (2 * m[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double mkp = m[k, p], mkq = m[k, q];
                        m[k, p] = c * mkp - s * mkq;
                        m[k, q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double mpk = m[p, k], mqk = m[q, k];
                        m[p, k] = c * mpk - s * mqk;
                        m[q, k] = s * mpk + c * mqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
        }
        if (sweep == maxSweeps)
            throw new SolverConvergenceException("SymmetricEigen (Jacobi)", maxSweeps, Math.Sqrt(off),
                "The Gram matrix of the task gradients could not be diagonalised; check the gradients for extreme values.");
        var order = Enumerable.Range(0, n).OrderByDescending(i => m[i, i]).ToArray();
        var values = order.Select(i => m[i, i]).ToArray();
        var vectors = new double[n, n];
        for (int c = 0; c < n; c++)
            for (int r = 0; r < n; r++) vectors[r, c] = v[r, order[c]];
        return (values, vectors);
    }

    private static void SwapSymmetric(double[,] m, int a, int b)
    {
        if (a == b) return;
        int n = m.GetLength(0);
        for (int j = 0; j < n; j++) (m[a, j], m[b, j]) = (m[b, j], m[a, j]);
        for (int i = 0; i < n; i++) (m[i, a], m[i, b]) = (m[i, b], m[i, a]);
    }
}
