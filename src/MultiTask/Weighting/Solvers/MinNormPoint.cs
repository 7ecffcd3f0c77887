namespace MultiTask.Weighting.Solvers;

/// <summary>
/// The minimum-norm point of the convex hull of T vectors, given their T×T Gram matrix: the weights α on
/// the simplex (αᵢ ≥ 0, Σᵢ αᵢ = 1) minimising ‖Σᵢ αᵢ·gᵢ‖² = αᵀGα.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Solve"/> is exact: it reduces the problem to non-negative least squares (Lawson and Hanson,
/// 1974, chapter 23, least-distance programming). With u ≥ 0 minimising ‖Eu − f‖², EᵀE = G + 11ᵀ and
/// Eᵀf = 1, the weights are α = u / Σᵢ uᵢ, and the KKT conditions of the NNLS problem are exactly the
/// optimality conditions of the min-norm point d = Σᵢ αᵢgᵢ: gᵢ·d ≥ ‖d‖² for every i, with equality where
/// αᵢ &gt; 0.
/// </para>
/// <para>
/// <see cref="FrankWolfe"/> is the iterative solver of Sener and Koltun (NeurIPS 2018, Algorithm 2, with
/// the closed form of Algorithm 1 for two vectors), which <see cref="Mgda"/> uses as the paper does. It
/// always returns a point of the simplex; stopping at the iteration limit is part of its contract, so it
/// does not throw.
/// </para>
/// </remarks>
public static class MinNormPoint
{
    /// <summary>The exact minimum-norm weights on the simplex.</summary>
    /// <param name="gram">The Gram matrix Gᵢⱼ = gᵢ·gⱼ: symmetric positive semi-definite, T×T.</param>
    /// <param name="maxIterations">Active-set iterations at most; 0 means 3T + 10, always enough in exact arithmetic.</param>
    /// <returns>α with αᵢ ≥ 0 and Σᵢ αᵢ = 1 minimising αᵀGα.</returns>
    /// <exception cref="ArgumentException">The matrix is not square, symmetric and finite.</exception>
    /// <exception cref="SolverConvergenceException">The underlying NNLS solver did not converge.</exception>
    public static double[] Solve(double[,] gram, int maxIterations = 0)
    {
        int n = GramMatrix.Validate(gram, nameof(gram));
        if (n == 1) return [1.0];
        // The weights do not change when G is scaled; scaling it to unit diagonal keeps G and 11ᵀ comparable.
        double scale = GramMatrix.MaxDiagonal(gram);
        if (scale == 0) return [.. Enumerable.Repeat(1.0 / n, n)];
        var shifted = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) shifted[i, j] = gram[i, j] / scale + 1;
        double[] u;
        try
        {
            u = NonNegativeLeastSquares.Solve(shifted, Enumerable.Repeat(1.0, n).ToArray(), maxIterations);
        }
        catch (SolverConvergenceException e)
        {
            throw new SolverConvergenceException("MinNormPoint (Lawson–Hanson)", e.Iterations, e.Residual,
                "The active set kept changing; the Gram matrix of the task gradients is probably nearly singular at the scale of its entries.");
        }
        double sum = u.Sum();
        for (int i = 0; i < n; i++) u[i] /= sum;
        return u;
    }

    /// <summary>
    /// Frank–Wolfe on the simplex (Sener and Koltun, Algorithm 2), from αᵢ = 1/T, with the closed form for
    /// two vectors; stops when no αᵢ changes by <paramref name="tolerance"/> or more, or after
    /// <paramref name="maxIterations"/> steps.
    /// </summary>
    /// <param name="gram">The Gram matrix Gᵢⱼ = gᵢ·gⱼ, T×T.</param>
    /// <param name="maxIterations">Frank–Wolfe steps at most.</param>
    /// <param name="tolerance">Stop when the largest change of an αᵢ is below this.</param>
    /// <returns>α on the simplex, approximately minimising αᵀGα (Frank–Wolfe converges as O(1/k)).</returns>
    /// <exception cref="ArgumentException">The matrix is not square.</exception>
    /// <remarks>Non-finite entries are not rejected: they make non-finite weights, which a strategy reports as divergence.</remarks>
    public static double[] FrankWolfe(double[,] gram, int maxIterations, double tolerance)
    {
        int n = GramMatrix.ValidateShape(gram, nameof(gram));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIterations);
        if (n == 1) return [1.0];
        if (n == 2)
        {
            double gamma = MinNormOfTwo(gram[0, 0], gram[0, 1], gram[1, 1]);
            return [gamma, 1 - gamma];
        }
        var alpha = Enumerable.Repeat(1.0 / n, n).ToArray();
        var gAlpha = new double[n];
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            for (int i = 0; i < n; i++)
            {
                gAlpha[i] = 0;
                for (int j = 0; j < n; j++) gAlpha[i] += gram[i, j] * alpha[j];
            }
            // The vertex that most decreases the norm: the vector that agrees least with the current point.
            int t = 0;
            for (int i = 1; i < n; i++)
                if (gAlpha[i] < gAlpha[t]) t = i;
            double vv = 0;
            for (int i = 0; i < n; i++) vv += alpha[i] * gAlpha[i];
            // Line search between the current point v = Σαg and the vertex g_t: γ weights v.
            double gamma = MinNormOfTwo(vv, gAlpha[t], gram[t, t]);
            double change = 0;
            for (int i = 0; i < n; i++)
            {
                double next = gamma * alpha[i] + (i == t ? 1 - gamma : 0);
                change = Math.Max(change, Math.Abs(next - alpha[i]));
                alpha[i] = next;
            }
            if (change < tolerance) break;
        }
        return alpha;
    }

    /// <summary>γ ∈ [0, 1] minimising ‖γ·u + (1 − γ)·v‖² from u·u, u·v and v·v (Sener and Koltun, Algorithm 1).</summary>
    private static double MinNormOfTwo(double uu, double uv, double vv)
    {
        if (uv >= uu) return 1.0;
        if (uv >= vv) return 0.0;
        double denominator = uu + vv - 2 * uv;
        return denominator <= 0 ? 0.5 : Math.Clamp((vv - uv) / denominator, 0, 1);
    }
}
