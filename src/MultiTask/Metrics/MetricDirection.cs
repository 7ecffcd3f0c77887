namespace MultiTask.Metrics;

/// <summary>Which way a metric improves; used by early stopping, model selection and Δm%.</summary>
public enum MetricDirection
{
    /// <summary>Smaller values are better (errors, losses).</summary>
    LowerIsBetter,

    /// <summary>Larger values are better (accuracy, F1, ROC-AUC, R²).</summary>
    HigherIsBetter,
}
