namespace MultiTask.Weighting.Solvers;

/// <summary>
/// Projection onto the dual cone of the task gradients, {x : gᵢ·x ≥ 0 for every i}, in the weight space
/// of the Gram matrix: the projection of Σᵢ uᵢ·gᵢ is Σᵢ vᵢ·gᵢ with v = argmin_v vᵀGv subject to v ≥ u.
/// </summary>
/// <remarks>
/// Quinton and Rey, "Jacobian Descent for Multi-Objective Optimization", 2024, Proposition 1 (the
/// formulation torchjd's <c>UPGrad</c> and <c>DualProj</c> solve). Writing v = u + z with z ≥ 0 turns the
/// problem into non-negative least squares on the same Gram matrix, min ½·zᵀGz + (Gu)ᵀz, solved exactly by
/// <see cref="NonNegativeLeastSquares"/> (torchjd adds a small ridge to G because its QP solver needs a
/// positive definite matrix; this one does not).
/// </remarks>
public static class DualCone
{
    /// <summary>The weights v ≥ u of the projection of Σᵢ uᵢ·gᵢ onto the dual cone of the gᵢ.</summary>
    /// <param name="gram">The Gram matrix Gᵢⱼ = gᵢ·gⱼ: symmetric positive semi-definite, T×T.</param>
    /// <param name="weights">The weights u of the vector to project, length T.</param>
    /// <param name="maxIterations">Active-set iterations at most; 0 means 3T + 10, always enough in exact arithmetic.</param>
    /// <returns>v with v ≥ u and G·v ≥ 0 (every gᵢ·Σⱼvⱼgⱼ ≥ 0), minimising vᵀGv.</returns>
    /// <exception cref="ArgumentException">The matrix is not square, symmetric and finite, or the weights have the wrong length.</exception>
    /// <exception cref="SolverConvergenceException">The underlying NNLS solver did not converge.</exception>
    public static double[] ProjectWeights(double[,] gram, IReadOnlyList<double> weights, int maxIterations = 0)
    {
        int n = GramMatrix.Validate(gram, nameof(gram));
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count != n)
            throw new ArgumentException($"Got {weights.Count} weights for a {n}×{n} Gram matrix.", nameof(weights));
        var gu = GramMatrix.Multiply(gram, weights);
        double[] z;
        try
        {
            z = NonNegativeLeastSquares.Solve(gram, gu.Select(v => -v).ToArray(), maxIterations);
        }
        catch (SolverConvergenceException e)
        {
            throw new SolverConvergenceException("DualCone.ProjectWeights (Lawson–Hanson)", e.Iterations, e.Residual,
                "The active set kept changing; the Gram matrix of the task gradients is probably nearly singular at the scale of its entries.");
        }
        var result = new double[n];
        for (int i = 0; i < n; i++) result[i] = weights[i] + z[i];
        return result;
    }
}
