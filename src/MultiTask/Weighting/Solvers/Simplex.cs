namespace MultiTask.Weighting.Solvers;

/// <summary>Euclidean projection onto the scaled simplex {x : xᵢ ≥ 0, Σᵢ xᵢ = total}.</summary>
/// <remarks>
/// The sort-based method (Held, Wolfe and Crowder, 1974; Duchi et al., ICML 2008): exact in O(T log T).
/// Projected-gradient strategies (e.g. <see cref="MoCo"/>'s weight update) use it to stay on the simplex.
/// </remarks>
public static class Simplex
{
    /// <summary>The point of the simplex {x ≥ 0, Σx = total} nearest to <paramref name="point"/>.</summary>
    /// <param name="point">The point to project; finite.</param>
    /// <param name="total">The simplex's sum; positive.</param>
    /// <returns>The projection.</returns>
    /// <exception cref="ArgumentException">The point is empty or has a non-finite entry.</exception>
    public static double[] Project(IReadOnlyList<double> point, double total = 1)
    {
        ArgumentNullException.ThrowIfNull(point);
        if (point.Count == 0) throw new ArgumentException("Cannot project an empty point onto the simplex.", nameof(point));
        if (point.Any(v => !double.IsFinite(v))) throw new ArgumentException("The point has a non-finite entry.", nameof(point));
        if (!(total > 0) || !double.IsFinite(total)) throw new ArgumentOutOfRangeException(nameof(total), total, "total must be positive and finite.");
        var sorted = point.OrderByDescending(v => v).ToArray();
        double cumulative = 0, threshold = 0;
        for (int j = 0; j < sorted.Length; j++)
        {
            cumulative += sorted[j];
            double candidate = (cumulative - total) / (j + 1);
            if (sorted[j] - candidate > 0) threshold = candidate;
        }
        return [.. point.Select(v => Math.Max(v - threshold, 0))];
    }
}
