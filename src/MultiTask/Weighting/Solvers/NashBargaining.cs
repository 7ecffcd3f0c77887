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
    public static double[] Solve(double[,] gram, int maxIterations = 100, double tolerance = 1e-9)
    {
        int n = GramMatrix.Validate(gram, nameof(gram));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIterations);
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be positive.");
        for (int i = 0; i < n; i++)
        {
            if (!(gram[i, i] > 0))
                throw new ArgumentException($"Gradient {i} is zero (Gram diagonal {gram[i, i]}), so no α satisfies αᵢ·(gᵢ·d) = 1; leave zero gradients out.", nameof(gram));
        }
        var alpha = new double[n];
        for (int i = 0; i < n; i++) alpha[i] = 1 / Math.Sqrt(gram[i, i]);
        var all = Enumerable.Range(0, n).ToArray();
        var hessian = new double[n, n];
        double residual = double.PositiveInfinity;
        for (int iteration = 0; iteration <= maxIterations; iteration++)
        {
            var ga = GramMatrix.Multiply(gram, alpha);
            residual = 0;
            for (int i = 0; i < n; i++) residual = Math.Max(residual, Math.Abs(alpha[i] * ga[i] - 1));
            if (residual < tolerance) return alpha;
            if (iteration == maxIterations || alpha.Any(a => !double.IsFinite(a) || a > 1e150)) break;

            var gradient = new double[n];
            for (int i = 0; i < n; i++)
            {
                gradient[i] = ga[i] - 1 / alpha[i];
                for (int j = 0; j < n; j++) hessian[i, j] = gram[i, j] + (i == j ? 1 / (alpha[i] * alpha[i]) : 0);
            }
            var step = GramMatrix.SolveSemiDefinite(hessian, all, gradient.Select(g => -g).ToArray(), 1e-15);
            double decrement = 0;
            for (int i = 0; i < n; i++) decrement -= gradient[i] * step[i];
            double t = 1;
            // Stay inside α > 0 (never more than 99% of the way to the boundary), then backtrack (Armijo).
            for (int i = 0; i < n; i++)
                if (step[i] < 0) t = Math.Min(t, -0.99 * alpha[i] / step[i]);
            double f0 = Objective(gram, alpha);
            var next = new double[n];
            for (int tries = 0; tries < 60; tries++)
            {
                for (int i = 0; i < n; i++) next[i] = alpha[i] + t * step[i];
                if (Objective(gram, next) <= f0 - 0.25 * t * decrement) break;
                t /= 2;
            }
            Array.Copy(next, alpha, n);
        }
        throw new SolverConvergenceException("NashBargaining (Newton)", maxIterations, residual,
            "No α > 0 satisfies G·α = 1/α: a positive combination of the task gradients cancels (e.g. two exactly opposed gradients).");
    }

    private static double Objective(double[,] gram, double[] alpha)
    {
        double value = 0.5 * GramMatrix.Quadratic(gram, alpha, alpha);
        foreach (double a in alpha) value -= Math.Log(a);
        return value;
    }
}
