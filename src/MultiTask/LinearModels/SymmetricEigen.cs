namespace MultiTask.LinearModels;

/// <summary>Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations.</summary>
/// <remarks>
/// Jacobi is slower than tridiagonal QR for large matrices but simple, unconditionally stable and
/// accurate to working precision for every eigenvalue, which is what the leave-one-out formulas of
/// <see cref="RidgeRegression"/> need; the matrices here are at most a few hundred wide.
/// </remarks>
internal static class SymmetricEigen
{
    private const int MaxSweeps = 100;

    /// <summary>Decomposes the symmetric <paramref name="n"/> x <paramref name="n"/> row-major matrix <paramref name="a"/> (overwritten).</summary>
    /// <returns>The eigenvalues and the eigenvectors as the columns of a row-major matrix.</returns>
    /// <exception cref="InvalidOperationException">The rotations did not converge (non-finite input).</exception>
    public static (double[] Values, double[] Vectors) Decompose(double[] a, int n)
    {
        var v = new double[n * n];
        for (int i = 0; i < n; i++) v[i * n + i] = 1;
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            double off = 0, diag = 0;
            for (int p = 0; p < n; p++)
            {
                diag += a[p * n + p] * a[p * n + p];
                for (int q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
            }
            if (!double.IsFinite(off) || !double.IsFinite(diag))
                throw new InvalidOperationException("The matrix to decompose holds NaN or infinite values; check the inputs for non-finite numbers.");
            if (off <= 1e-30 * diag || off == 0) return (Enumerable.Range(0, n).Select(i => a[i * n + i]).ToArray(), v);
            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p * n + q];
                    if (apq == 0) continue;
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k * n + p], vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        throw new InvalidOperationException($"The Jacobi eigen-decomposition of a {n} x {n} matrix did not converge in {MaxSweeps} sweeps.");
    }
}
