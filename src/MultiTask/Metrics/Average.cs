namespace MultiTask.Metrics;

/// <summary>How <see cref="F1Score"/> combines per-class scores, as scikit-learn's <c>average</c> argument.</summary>
public enum Average
{
    /// <summary>Unweighted mean of the per-class F1 scores.</summary>
    Macro,

    /// <summary>F1 of the true/false positive and false negative counts summed over all classes.</summary>
    Micro,

    /// <summary>Mean of the per-class F1 scores weighted by each class's support (its number of true rows).</summary>
    Weighted,
}
