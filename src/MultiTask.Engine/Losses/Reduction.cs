namespace MultiTask.Engine.Losses;

/// <summary>How a loss turns per-element values into its result (PyTorch's <c>reduction</c>).</summary>
public enum Reduction
{
    /// <summary>Return the per-element losses, unreduced.</summary>
    None,
    /// <summary>Return their (weighted) mean; see <see cref="Loss"/> for the exact denominator.</summary>
    Mean,
    /// <summary>Return their (weighted) sum.</summary>
    Sum,
}
