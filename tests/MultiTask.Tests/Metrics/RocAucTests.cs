using FluentAssertions;
using MultiTask.Metrics;

namespace MultiTask.Tests.Metrics;

public class RocAucTests
{
    /// <summary>Independent definition: the share of (positive, negative) pairs ranked correctly, ties counting half.</summary>
    private static double PairwiseAuc(float[] scores, float[] labels)
    {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            if (labels[i] != 1f)
                continue;
            for (int j = 0; j < scores.Length; j++)
            {
                if (labels[j] != 0f)
                    continue;
                pairs++;
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }
        return wins / pairs;
    }

    [Fact]
    public void Matches_the_scikit_learn_documented_example()
    {
        var metric = new RocAuc();
        metric.Update([0.1f, 0.4f, 0.35f, 0.8f], [0f, 0f, 1f, 1f]);
        metric.Result().Should().Be(0.75);
        metric.Name.Should().Be("roc_auc");
        metric.Direction.Should().Be(MetricDirection.HigherIsBetter);
    }

    [Fact]
    public void Ties_share_their_average_rank()
    {
        // Pairs (0.5 vs 0.1) = 1, (0.5 vs 0.5) = ½, (0.9 vs 0.1) = 1, (0.9 vs 0.5) = 1 → 3.5 / 4.
        var metric = new RocAuc();
        metric.Update([0.1f, 0.5f, 0.5f, 0.9f], [0f, 0f, 1f, 1f]);
        metric.Result().Should().Be(0.875);

        var allTied = new RocAuc();
        allTied.Update([0.5f, 0.5f, 0.5f, 0.5f], [0f, 1f, 0f, 1f]);
        allTied.Result().Should().Be(0.5);
    }

    [Fact]
    public void Equals_the_pairwise_definition_on_random_scores_with_many_ties()
    {
        var scores = MetricChecks.Uniform(200, 41).Select(v => MathF.Round(v * 10) / 10).ToArray();
        var labels = MetricChecks.Uniform(200, 42).Select((v, i) => v < 0.3f + 0.4f * scores[i] ? 1f : 0f).ToArray();
        var metric = new RocAuc();
        metric.Update(scores, labels);
        metric.Result().Should().BeApproximately(PairwiseAuc(scores, labels), 1e-12);
        metric.Result().Should().BeGreaterThan(0.5);
    }

    [Fact]
    public void Accepts_any_finite_scores_since_only_their_order_matters()
    {
        var metric = new RocAuc();
        metric.Update([-3f, 7f, 2f, 10f], [0f, 0f, 1f, 1f]);
        metric.Result().Should().Be(0.75);
        metric.Invoking(m => m.Update([float.NaN], [1f]))
            .Should().Throw<ArgumentException>().WithMessage("*prediction NaN at row 0*finite*");
        metric.Invoking(m => m.Update([0.5f], [0.5f]))
            .Should().Throw<ArgumentException>().WithMessage("*target 0.5 at row 0*0 or 1*");
    }

    [Fact]
    public void Is_NaN_while_only_one_class_has_been_seen()
    {
        var metric = new RocAuc();
        metric.Update([0.2f, 0.9f], [1f, 1f]);
        metric.Count.Should().Be(2);
        metric.Result().Should().Be(double.NaN);
        metric.Update([0.5f], [0f]);
        metric.Result().Should().Be(0.5);
    }

    [Fact]
    public void Streaming_masking_and_reset()
    {
        var scores = MetricChecks.Uniform(40, 43);
        var labels = MetricChecks.Uniform(40, 44).Select(v => v > 0.5f ? 1f : 0f).ToArray();
        var metric = new RocAuc();
        MetricChecks.StreamingEqualsSingleUpdate(metric, scores, labels, 3, 30);
        MetricChecks.MaskedRowChangesNothing(metric, scores, labels, 7, [0.999f], [1f - labels[7]]);

        metric.Reset();
        metric.Update([0.1f, 0.4f, 0.35f, 0.8f], [0f, 0f, 1f, 1f]);
        metric.Result().Should().Be(0.75);
    }
}
