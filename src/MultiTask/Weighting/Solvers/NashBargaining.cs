namespace MultiTask.Weighting.Solvers;

/// <summary>
/// The Nash bargaining weights of Nash-MTL: α &gt; 0 with G·α = 1/α elementwise, i.e. αᵢ·(gᵢ·d) = 1 for the
/// direction d = Σⱼ αⱼ·gⱼ.
/// </summary>
/// <remarks>
/// <para>
/// Navon et al., "Multi-Task Learning as a Bargaining Game", ICML 2022, equation (2). The condition is the
/// stationarity of the strictly convex f(α) = ½·αᵀGα − Σᵢ log αᵢ on α &gt; 0, so this solver runs damped
/// Newton on f (Hessian G + diag(1/αᵢ²), always positive definite) with a backtracking line search that
/// keeps α positive, from αᵢ = 1/‖gᵢ‖ (the solution when the gradients are orthogonal). The paper
/// approximates the same point by a sequence of convex programs solved with cvxpy; Newton reaches it to
/// machine precision in a handful of steps.
/// </para>
/// <para>
/// A solution exists when G is positive definite (linearly independent gradients). When a positive
/// combination of the gradients cancels — e.g. two exactly opposed gradients — f has no minimum, α grows
/// without bound and the solver throws <see cref="SolverConvergenceException"/>.
/// </para>
/// </remarks>
public static class NashBargaining
{
    /// <summary>Solves G·α = 1/α for α &gt; 0.</summary>
    /// <param name="gram">The Gram matrix Gᵢⱼ = gᵢ·gⱼ, T×T, with a positive diagonal.</param>
    /// <param name="maxIterations">Newton steps at most.</param>
    /// <param name="tolerance">Converged when every |αᵢ·(Gα)ᵢ − 1| is below this.</param>
    /// <returns>α &gt; 0 with αᵢ·(Gα)ᵢ = 1 to within <paramref name="tolerance"/>.</returns>
    /// <exception cref="ArgumentException">The matrix is not square, symmetric and finite, or a diagonal entry (a squared gradient norm) is not positive.</exception>
    /// <exception cref="SolverConvergenceException">Newton did not reach the tolerance (the gradients are linearly dependent so that no solution exists).</exception>
    public static double[] Solve(double[,] gram, int maxIterations = 100, double tolerance = 1e-9) =>
        SolveAlphaFair(gram, 1, maxIterations, tolerance);

    /// <summary>
    /// Solves the α-fair generalisation G·w = w^(−1/α) for w &gt; 0 (FairGrad; Ban and Ji, ICML 2024), the
    /// stationarity of ½·wᵀGw − Σᵢ h(wᵢ) with h′(w) = w^(−1/α); α = 1 is Nash bargaining.
    /// </summary>
    /// <param name="gram">The Gram matrix Gᵢⱼ = gᵢ·gⱼ, T×T, with a positive diagonal.</param>
    /// <param name="alpha">The fairness exponent α &gt; 0 (larger is fairer: α → ∞ approaches the max-min fair solution).</param>
    /// <param name="maxIterations">Newton steps at most.</param>
    /// <param name="tolerance">Converged when every |wᵢ^(1/α)·(Gw)ᵢ − 1| is below this.</param>
    /// <returns>w &gt; 0 with wᵢ^(1/α)·(Gw)ᵢ = 1 to within <paramref name="tolerance"/>.</returns>
    /// <exception cref="ArgumentException">The matrix is not square, symmetric and finite, or a diagonal entry is not positive.</exception>
    /// <exception cref="SolverConvergenceException">Newton did not reach the tolerance (no solution exists for these gradients).</exception>
    public static double[] SolveAlphaFair(double[,] gram, double alpha, int maxIterations = 100, double tolerance = 1e-9)
    {
        int n = GramMatrix.Validate(gram, nameof(gram));
        if (!(alpha > 0) || !double.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be positive and finite.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIterations);
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be positive.");
        for (int i = 0; i < n; i++)
        {
            if (!(gram[i, i] > 0))
                throw new ArgumentException($"Gradient {i} is zero (Gram diagonal {gram[i, i]}), so no weight satisfies the bargaining condition; leave zero gradients out.", nameof(gram));
        }
        string name = alpha == 1 ? "NashBargaining (Newton)" : $"NashBargaining.SolveAlphaFair (Newton, alpha {alpha:G4})";
        double p = 1 / alpha;
        var w = new double[n];
        // The solution for orthogonal gradients: Gᵢᵢ·wᵢ = wᵢ^(−1/α).
        for (int i = 0; i < n; i++) w[i] = Math.Pow(gram[i, i], -alpha / (alpha + 1));
        var all = Enumerable.Range(0, n).ToArray();
        var hessian = new double[n, n];
        double residual = double.PositiveInfinity;
        for (int iteration = 0; iteration <= maxIterations; iteration++)
        {
            var gw = GramMatrix.Multiply(gram, w);
            residual = 0;
            for (int i = 0; i < n; i++) residual = Math.Max(residual, Math.Abs(Math.Pow(w[i], p) * gw[i] - 1));
            if (residual < tolerance) return w;
            if (iteration == maxIterations || w.Any(a => !double.IsFinite(a) || a > 1e150)) break;

            var gradient = new double[n];
            for (int i = 0; i < n; i++)
            {
                gradient[i] = gw[i] - Math.Pow(w[i], -p);
                for (int j = 0; j < n; j++) hessian[i, j] = gram[i, j] + (i == j ? p * Math.Pow(w[i], -p - 1) : 0);
            }
            var step = GramMatrix.SolveSemiDefinite(hessian, all, gradient.Select(g => -g).ToArray(), 1e-15);
            double decrement = 0;
            for (int i = 0; i < n; i++) decrement -= gradient[i] * step[i];
            double t = 1;
            // Stay inside w > 0 (never more than 99% of the way to the boundary), then backtrack (Armijo).
            for (int i = 0; i < n; i++)
                if (step[i] < 0) t = Math.Min(t, -0.99 * w[i] / step[i]);
            double f0 = Objective(gram, w, p);
            // Near the solution the decrease Newton promises (≈ residual²) falls below the rounding error of the
            // objective's terms, and comparing objective values would reject every step length and stall there;
            // that close, the full Newton step is the right one, so take it without the test.
            bool belowRounding = decrement <= 1e-10 * ObjectiveMagnitude(gram, w, p);
            var next = new double[n];
            for (int tries = 0; tries < 60; tries++)
            {
                for (int i = 0; i < n; i++) next[i] = w[i] + t * step[i];
                if (belowRounding || Objective(gram, next, p) <= f0 - 0.25 * t * decrement) break;
                t /= 2;
            }
            Array.Copy(next, w, n);
        }
        throw new SolverConvergenceException(name, maxIterations, residual,
            "No positive weights satisfy the bargaining condition: a positive combination of the task gradients cancels (e.g. two exactly opposed gradients).");
    }

    /// <summary>1 + the sum of the magnitudes of the objective's terms: the scale of its rounding error.</summary>
    private static double ObjectiveMagnitude(double[,] gram, double[] w, double p)
    {
        double value = 1 + Math.Abs(0.5 * GramMatrix.Quadratic(gram, w, w));
        foreach (double a in w) value += Math.Abs(p == 1 ? Math.Log(a) : Math.Pow(a, 1 - p) / (1 - p));
        return value;
    }

    /// <summary>½·wᵀGw − Σᵢ h(wᵢ) with h(w) = log w for p = 1/α = 1, else w^(1−p)/(1−p).</summary>
    private static double Objective(double[,] gram, double[] w, double p)
    {
        double value = 0.5 * GramMatrix.Quadratic(gram, w, w);
        foreach (double a in w) value -= p == 1 ? Math.Log(a) : Math.Pow(a, 1 - p) / (1 - p);
        return value;
    }
}
