namespace MultiTask.Metrics;

/// <summary>Factories for the built-in metrics and the default metric set of each kind of task.</summary>
/// <remarks>
/// Named <c>StandardMetrics</c> rather than <c>Metrics</c> because a class named like its namespace
/// (<c>MultiTask.Metrics.Metrics</c>) cannot be reached as <c>Metrics.Rmse()</c> from code in a
/// <c>MultiTask.*</c> namespace with its usings at the top of the file: the simple name binds to the
/// namespace <c>MultiTask.Metrics</c> before the usings are consulted (error CS0234).
/// </remarks>
public static class StandardMetrics
{
    /// <summary>Root mean squared error (<c>"rmse"</c>).</summary>
    public static Metric Rmse() => new RootMeanSquaredError();

    /// <summary>Mean absolute error (<c>"mae"</c>).</summary>
    public static Metric Mae() => new MeanAbsoluteError();

    /// <summary>Mean squared error (<c>"mse"</c>).</summary>
    public static Metric Mse() => new MeanSquaredError();

    /// <summary>Coefficient of determination (<c>"r2"</c>).</summary>
    public static Metric R2() => new RSquared();

    /// <summary>Binary accuracy at threshold 0.5 (<c>"accuracy"</c>).</summary>
    public static Metric Accuracy() => Metrics.Accuracy.Binary();

    /// <summary>Multiclass accuracy of the argmax (<c>"accuracy"</c>).</summary>
    /// <param name="classCount">Number of classes (at least 2).</param>
    public static Metric Accuracy(int classCount) => Metrics.Accuracy.Multiclass(classCount);

    /// <summary>Element-wise multilabel accuracy at threshold 0.5 (<c>"accuracy"</c>).</summary>
    /// <param name="labelCount">Number of labels per row.</param>
    public static Metric MultilabelAccuracy(int labelCount) => Metrics.Accuracy.Multilabel(labelCount);

    /// <summary>Binary F1 of class 1 at threshold 0.5 (<c>"f1"</c>).</summary>
    public static Metric F1() => F1Score.Binary();

    /// <summary>Multiclass F1 (<c>"f1_macro"</c>, <c>"f1_micro"</c> or <c>"f1_weighted"</c>).</summary>
    /// <param name="classCount">Number of classes (at least 2).</param>
    /// <param name="average">How per-class scores are combined.</param>
    public static Metric F1(int classCount, Average average = Average.Macro) => F1Score.Multiclass(classCount, average);

    /// <summary>Multilabel F1 at threshold 0.5 (<c>"f1_micro"</c> by default).</summary>
    /// <param name="labelCount">Number of labels per row.</param>
    /// <param name="average">How per-label scores are combined.</param>
    public static Metric MultilabelF1(int labelCount, Average average = Average.Micro) => F1Score.Multilabel(labelCount, average);

    /// <summary>Binary ROC-AUC (<c>"roc_auc"</c>).</summary>
    public static Metric RocAuc() => new RocAuc();

    /// <summary>Binary log-loss (<c>"log_loss"</c>).</summary>
    public static Metric LogLoss() => Metrics.LogLoss.Binary();

    /// <summary>Multiclass log-loss (<c>"log_loss"</c>).</summary>
    /// <param name="classCount">Number of classes (at least 2).</param>
    public static Metric LogLoss(int classCount) => Metrics.LogLoss.Multiclass(classCount);

    /// <summary>
    /// Fresh instances of the default metrics for a kind of task; the first is the one to monitor
    /// (early stopping, model selection).
    /// </summary>
    /// <remarks>
    /// Regression: RMSE, MAE, R². Binary: accuracy, F1, ROC-AUC, log-loss. Multiclass: accuracy, macro-F1,
    /// log-loss. Multilabel: accuracy, micro-F1.
    /// </remarks>
    /// <param name="kind">The kind of task.</param>
    /// <param name="outputWidth">Predictions per row: 1 for regression and binary, the class count for
    /// multiclass, the label count for multilabel.</param>
    /// <exception cref="ArgumentOutOfRangeException">The width does not fit the kind.</exception>
    public static IReadOnlyList<Metric> ForTask(MetricTaskKind kind, int outputWidth = 1)
    {
        switch (kind)
        {
            case MetricTaskKind.Regression:
            case MetricTaskKind.Binary:
                if (outputWidth != 1)
                    throw new ArgumentOutOfRangeException(nameof(outputWidth), outputWidth,
                        $"A {kind.ToString().ToLowerInvariant()} task has one prediction per row; pass outputWidth 1.");
                return kind == MetricTaskKind.Regression
                    ? [Rmse(), Mae(), R2()]
                    : [Accuracy(), F1(), RocAuc(), LogLoss()];
            case MetricTaskKind.Multiclass:
                return [Accuracy(outputWidth), F1(outputWidth), LogLoss(outputWidth)];
            case MetricTaskKind.Multilabel:
                return [MultilabelAccuracy(outputWidth), MultilabelF1(outputWidth)];
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown task kind; use Regression, Binary, Multiclass or Multilabel.");
        }
    }
}
