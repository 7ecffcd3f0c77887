namespace MultiTask.Weighting.Solvers;

/// <summary>
/// Non-negative least squares in Gram form: min_z ½·zᵀAz − bᵀz subject to z ≥ 0, which is
/// min_z ‖Mz − y‖² subject to z ≥ 0 with A = MᵀM and b = Mᵀy.
/// </summary>
/// <remarks>
/// <para>
/// Lawson and Hanson, "Solving Least Squares Problems", 1974, chapter 23 (algorithm NNLS), written on the
/// normal equations because the gradient-space strategies only ever hold the T×T Gram matrix of the task
/// gradients, never the gradients as a matrix. The active-set method terminates in finitely many steps with
/// the exact solution (up to rounding), unlike first-order methods.
/// </para>
/// <para>
/// A may be singular (linearly dependent gradients): the passive-set systems are solved by pivoted
/// Cholesky, which leaves out directions A does not see. The solution is then one of the minimisers.
/// </para>
/// </remarks>
public static class NonNegativeLeastSquares
{
    /// <summary>Solves min ½·zᵀAz − bᵀz subject to z ≥ 0.</summary>
    /// <param name="gram">A = MᵀM: symmetric positive semi-definite, n×n.</param>
    /// <param name="rhs">b = Mᵀy, length n.</param>
    /// <param name="maxIterations">Outer iterations (each adds one variable to the passive set) at most; 0 means 3n + 10.</param>
    /// <param name="tolerance">The KKT condition b − Az ≤ 0 on the zero variables is accepted within this times the scale of A and b.</param>
    /// <returns>The minimiser z ≥ 0.</returns>
    /// <exception cref="ArgumentException">A is not square, symmetric and finite, or b has the wrong length or is not finite.</exception>
    /// <exception cref="SolverConvergenceException">The active set did not settle within <paramref name="maxIterations"/>.</exception>
    public static double[] Solve(double[,] gram, IReadOnlyList<double> rhs, int maxIterations = 0, double tolerance = 1e-12)
    {
        int n = GramMatrix.Validate(gram, nameof(gram));
        ArgumentNullException.ThrowIfNull(rhs);
        if (rhs.Count != n)
            throw new ArgumentException($"The right-hand side has {rhs.Count} entries for a {n}×{n} matrix.", nameof(rhs));
        if (rhs.Any(v => !double.IsFinite(v)))
            throw new ArgumentException("The right-hand side has a non-finite entry.", nameof(rhs));
        ArgumentOutOfRangeException.ThrowIfNegative(maxIterations);
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be positive.");
        if (maxIterations == 0) maxIterations = 3 * n + 10;

        double scale = Math.Max(GramMatrix.MaxDiagonal(gram), rhs.Max(Math.Abs));
        if (scale == 0) return new double[n];
        double threshold = tolerance * scale;

        var z = new double[n];
        var passive = new bool[n];
        // A variable whose own passive-set solution came out non-positive right after it entered cannot improve
        // the objective (rounding made its multiplier look positive); it waits until z changes.
        var blocked = new bool[n];
        double violation = 0;
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            var w = Residual(gram, rhs, z);
            int enter = -1;
            violation = 0;
            for (int j = 0; j < n; j++)
            {
                if (passive[j] || blocked[j] || w[j] <= threshold) continue;
                if (enter < 0 || w[j] > w[enter]) enter = j;
                violation = Math.Max(violation, w[j]);
            }
            if (enter < 0) return z;
            passive[enter] = true;

            bool first = true;
            while (true)
            {
                var set = Enumerable.Range(0, n).Where(j => passive[j]).ToArray();
                var s = GramMatrix.SolveSemiDefinite(gram, set, set.Select(j => rhs[j]).ToArray());
                if (first && s[Array.IndexOf(set, enter)] <= 0)
                {
                    passive[enter] = false;
                    blocked[enter] = true;
                    break;
                }
                first = false;
                if (s.All(v => v > 0))
                {
                    for (int k = 0; k < set.Length; k++) z[set[k]] = s[k];
                    Array.Clear(blocked);
                    break;
                }
                // Step from z towards s until the first passive variable reaches 0, and release it.
                double step = 1;
                for (int k = 0; k < set.Length; k++)
                {
                    if (s[k] > 0) continue;
                    double zk = z[set[k]];
                    step = Math.Min(step, zk / (zk - s[k]));
                }
                for (int k = 0; k < set.Length; k++)
                {
                    int j = set[k];
                    z[j] += step * (s[k] - z[j]);
                    if (z[j] <= 1e-15 * Math.Max(1, Math.Abs(s[k])))
                    {
                        z[j] = 0;
                        passive[j] = false;
                    }
                }
                Array.Clear(blocked);
                if (!passive.Any(p => p)) break;
            }
        }
        throw new SolverConvergenceException("NonNegativeLeastSquares (Lawson–Hanson)", maxIterations, violation,
            "The active set kept changing; the Gram matrix is probably nearly singular at the scale of its entries.");
    }

    /// <summary>The negative gradient b − A·z (the KKT multipliers of the zero variables).</summary>
    private static double[] Residual(double[,] gram, IReadOnlyList<double> rhs, double[] z)
    {
        var az = GramMatrix.Multiply(gram, z);
        var w = new double[az.Length];
        for (int j = 0; j < w.Length; j++) w[j] = rhs[j] - az[j];
        return w;
    }
}
