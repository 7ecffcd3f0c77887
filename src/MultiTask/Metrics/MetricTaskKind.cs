namespace MultiTask.Metrics;

/// <summary>
/// The shape of a task's predictions as the metrics see it; selects the default metrics in
/// <see cref="StandardMetrics.ForTask"/>.
/// </summary>
public enum MetricTaskKind
{
    /// <summary>One real value per row, in the user's units.</summary>
    Regression,

    /// <summary>One probability of the positive class per row; targets are 0 or 1.</summary>
    Binary,

    /// <summary>A row of class probabilities per row; targets are class indices.</summary>
    Multiclass,

    /// <summary>A row of independent label probabilities per row; targets are rows of 0/1.</summary>
    Multilabel,
}
