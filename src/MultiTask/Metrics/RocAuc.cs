namespace MultiTask.Metrics;

/// <summary>Area under the ROC curve for a binary task, computed exactly from the ranks of the scores.</summary>
/// <remarks>
/// <para>
/// AUC equals the Mann–Whitney U statistic of the positive scores against the negative ones, divided by
/// <c>n₊ · n₋</c> (Hanley &amp; McNeil, "The meaning and use of the area under a receiver operating
/// characteristic (ROC) curve", Radiology 143, 1982): <c>AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋)</c>, where
/// <c>R₊</c> is the sum of the positives' ranks among all scores and tied scores share their average rank.
/// Ties therefore count one half, which is exactly scikit-learn's <c>roc_auc_score</c> (trapezoidal area).
/// </para>
/// <para>
/// The statistic needs every score, so the metric stores one score and one label per labelled row
/// (about 5 bytes per row) and sorts them in <see cref="Metric.Result"/>. Scores may be any finite
/// numbers, since only their order matters; targets must be 0 or 1. The result is NaN until both
/// classes have been seen, as the area is undefined with one class (scikit-learn raises an error there).
/// </para>
/// </remarks>
public sealed class RocAuc : Metric
{
    private readonly List<float> scores = [];
    private readonly List<bool> positives = [];

    /// <summary>Creates the metric, named <c>"roc_auc"</c>: one score per row, targets 0 or 1.</summary>
    public RocAuc()
        : base("roc_auc", MetricDirection.HigherIsBetter)
    {
    }

    /// <inheritdoc/>
    public override Metric Clone() => new RocAuc();

    /// <inheritdoc/>
    protected override void ValidateRow(int row, ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        MetricGuard.FiniteScore(this, row, prediction[0]);
        MetricGuard.BinaryTarget(this, row, 0, target[0]);
    }

    /// <inheritdoc/>
    protected override void UpdateRow(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        scores.Add(prediction[0]);
        positives.Add(target[0] == 1f);
    }

    /// <inheritdoc/>
    protected override double ComputeResult()
    {
        int n = scores.Count;
        float[] sortedScores = scores.ToArray();
        int[] order = new int[n];
        for (int i = 0; i < n; i++)
            order[i] = i;
        Array.Sort(sortedScores, order);

        long positiveCount = 0;
        double positiveRankSum = 0;
        int start = 0;
        while (start < n)
        {
            int end = start + 1;
            while (end < n && sortedScores[end] == sortedScores[start])
                end++;

            // Ranks are 1-based; the tied block start..end-1 shares the mean of ranks start+1..end.
            double averageRank = (start + 1 + end) / 2.0;
            for (int i = start; i < end; i++)
            {
                if (positives[order[i]])
                {
                    positiveCount++;
                    positiveRankSum += averageRank;
                }
            }
            start = end;
        }

        long negativeCount = n - positiveCount;
        if (positiveCount == 0 || negativeCount == 0)
            return double.NaN;
        double u = positiveRankSum - positiveCount * (positiveCount + 1) / 2.0;
        return u / ((double)positiveCount * negativeCount);
    }

    /// <inheritdoc/>
    protected override void ResetState()
    {
        scores.Clear();
        positives.Clear();
    }
}
