using MultiTask.Engine.Tensors;
using MultiTask.Weighting.Solvers;

namespace MultiTask.Weighting;

/// <summary>
/// Conflict-Averse Gradient descent (CAGrad): the shared parameters move along the direction, within a ball
/// around the average gradient, that most improves the task that improves least.
/// </summary>
/// <remarks>
/// <para>
/// Liu, Liu, Jin, Stone and Liu, "Conflict-Averse Gradient Descent for Multi-task Learning", NeurIPS 2021.
/// With g₀ the average of the task gradients gᵢ on the shared parameters and c ∈ [0, 1):
/// d = argmax_d minᵢ gᵢ·d subject to ‖d − g₀‖ ≤ c‖g₀‖. Its dual is
/// min_{w ∈ simplex} g_w·g₀ + c‖g₀‖·‖g_w‖ with g_w = Σᵢ wᵢgᵢ, and then d = g₀ + (c‖g₀‖ / ‖g_w‖)·g_w.
/// As in the authors' code the shared parameters get d / (1 + c²) (<c>rescale</c>), so c = 0 gives the mean
/// gradient.
/// </para>
/// <para>
/// The dual is solved exactly rather than by a generic optimiser: g_w is the projection of −λ·g₀ onto the
/// convex hull of the gᵢ for the λ with ‖g_w‖ = c‖g₀‖·λ (the first-order condition of the dual), and that
/// projection is the minimum-norm point of the hull of the shifted gradients gᵢ + λ·g₀
/// (<see cref="MinNormPoint.Solve"/>). λ is found by bisection. Task-specific parameters get their ordinary
/// gradients. The reported weight of task i is its coefficient in the shared gradient,
/// (1/T + c‖g₀‖·wᵢ/‖g_w‖) / (1 + c²).
/// </para>
/// <para>
/// Use it when tasks conflict but the average gradient is still a good direction: c trades the average's
/// progress (c = 0) against the worst task's (large c, towards <see cref="Mgda"/>'s behaviour).
/// </para>
/// </remarks>
public sealed class CAGrad : LossWeighting
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="c">The radius of the ball around the average gradient, relative to its norm; in [0, 1). The paper uses 0.4 on NYUv2 and CityScapes.</param>
    /// <param name="rescale">Divide the direction by 1 + c², as the authors' code does by default.</param>
    public CAGrad(double c = 0.4, bool rescale = true)
    {
        if (!(c >= 0 && c < 1))
            throw new ArgumentOutOfRangeException(nameof(c), c, $"c must be in [0, 1) (the paper's convergence result needs c < 1), got {c}.");
        C = c;
        Rescale = rescale;
    }

    /// <summary>The radius of the ball around the average gradient, relative to its norm.</summary>
    public double C { get; }

    /// <summary>Whether the direction is divided by 1 + c².</summary>
    public bool Rescale { get; }

    /// <inheritdoc />
    protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
    {
        var space = GradientSpace.Of(TaskGradients(taskLosses, context), context, nameof(CAGrad));
        var coefficients = Weights(space.Gram, C, Rescale);
        double objective = BackwardWithSharedGradient(taskLosses, space.Combine(coefficients, context.SharedNumel), context);
        return new WeightingResult(space.PerTask(coefficients), objective);
    }

    /// <summary>The coefficient of each gradient in CAGrad's direction, from their Gram matrix.</summary>
    internal static double[] Weights(double[,] gram, double c, bool rescale)
    {
        int n = gram.GetLength(0);
        var b = Enumerable.Repeat(1.0 / n, n).ToArray();
        var result = (double[])b.Clone();
        var a = GramMatrix.Multiply(gram, b);
        double meanSquared = Math.Max(0, GramMatrix.Quadratic(gram, b, b));
        double radius = c * Math.Sqrt(meanSquared);
        double longest = Math.Sqrt(GramMatrix.MaxDiagonal(gram));
        if (radius > 1e-12 * longest)
        {
            double[] HullPoint(double lambda)
            {
                var shifted = new double[n, n];
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++) shifted[i, j] = gram[i, j] + lambda * (a[i] + a[j]) + lambda * lambda * meanSquared;
                return MinNormPoint.Solve(shifted);
            }
            double Norm(double[] w) => Math.Sqrt(Math.Max(0, GramMatrix.Quadratic(gram, w, w)));

            // h(λ) = ‖proj(−λg₀)‖ − radius·λ is ≥ 0 at 0 and ≤ 0 once radius·λ exceeds every ‖gᵢ‖.
            double low = 0, high = longest / radius;
            for (int iteration = 0; iteration < 200 && high - low > 1e-13 * high; iteration++)
            {
                double middle = 0.5 * (low + high);
                if (Norm(HullPoint(middle)) - radius * middle > 0) low = middle;
                else high = middle;
            }
            var w = HullPoint(high);
            double norm = Norm(w);
            // ‖g_w‖ = 0 only when the average gradient is itself optimal (the hull holds 0 and every ball direction is as bad).
            if (norm > 1e-12 * longest)
                for (int i = 0; i < n; i++) result[i] += radius / norm * w[i];
        }
        if (rescale)
            for (int i = 0; i < n; i++) result[i] /= 1 + c * c;
        return result;
    }
}
