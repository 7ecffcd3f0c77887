namespace MultiTask.Weighting.Solvers;

/// <summary>
/// One of the small dense solvers behind the gradient-space strategies stopped before meeting its
/// optimality condition: it names the solver, the iterations it ran and the residual it reached.
/// </summary>
/// <remarks>
/// The solvers work on the T×T Gram matrix of the task gradients, so a failure almost always means that
/// matrix is degenerate in a way the method cannot handle (e.g. Nash bargaining with two exactly opposed
/// gradients, which has no solution) or holds non-finite entries. Check the task gradients for NaN, or
/// use a method that tolerates opposed gradients (<see cref="UPGrad"/>, <see cref="Mgda"/>).
/// </remarks>
public sealed class SolverConvergenceException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="solver">The solver's name, e.g. <c>NonNegativeLeastSquares</c>.</param>
    /// <param name="iterations">The iterations it ran.</param>
    /// <param name="residual">The violation of its optimality condition when it stopped.</param>
    /// <param name="hint">What the failure usually means and what to do about it.</param>
    public SolverConvergenceException(string solver, int iterations, double residual, string hint)
        : base($"{solver} did not converge after {iterations} iterations (residual {residual:G4}). {hint}")
    {
        Solver = solver;
        Iterations = iterations;
        Residual = residual;
    }

    /// <summary>The solver's name.</summary>
    public string Solver { get; }

    /// <summary>The iterations it ran.</summary>
    public int Iterations { get; }

    /// <summary>The violation of its optimality condition when it stopped.</summary>
    public double Residual { get; }
}
