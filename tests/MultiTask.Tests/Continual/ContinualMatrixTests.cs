using FluentAssertions;
using MultiTask.Continual;
using MultiTask.Metrics;

namespace MultiTask.Tests.Continual;

public class ContinualMatrixTests
{
    [Fact]
    public void BackwardTransfer_OfAHandMadeAccuracyMatrix_IsGemsFormula()
    {
        double n = double.NaN;
        var r = new ContinualMatrix(["t0", "t1", "t2"], new[,]
        {
            { 0.90, n, n },
            { 0.80, 0.85, n },
            { 0.70, 0.80, 0.95 },
        }, MetricDirection.HigherIsBetter, "accuracy");

        // BWT = ((0.70 − 0.90) + (0.80 − 0.85)) / 2 = −0.125.
        r.BackwardTransfer.Should().BeApproximately(-0.125, 1e-12);
        r.FinalAverage.Should().BeApproximately((0.70 + 0.80 + 0.95) / 3, 1e-12);
        r[1, "t0"].Should().Be(0.80);
        r.IntroducedAt("t2").Should().Be(2);
        r.ToString().Should().Contain("BWT -0.125");
    }

    [Fact]
    public void BackwardTransfer_ForALowerIsBetterMetric_IsNegativeWhenTheErrorGrows()
    {
        double n = double.NaN;
        var r = new ContinualMatrix(["t0", "t1"], new[,] { { 1.0, n }, { 1.5, 2.0 } }, MetricDirection.LowerIsBetter, "rmse");

        r.BackwardTransfer.Should().BeApproximately(-0.5, 1e-12);
    }

    [Fact]
    public void SeveralTasksPerStage_CountFromTheirOwnStage()
    {
        double n = double.NaN;
        var r = new ContinualMatrix(["a", "b", "c"], new[,] { { 1.0, 2.0, n }, { 1.2, 2.6, 0.5 } },
            MetricDirection.LowerIsBetter, "rmse", introducedAt: [0, 0, 1]);

        r.BackwardTransfer.Should().BeApproximately(-(0.2 + 0.6) / 2, 1e-12);
        new ContinualMatrix(["a"], new[,] { { 1.0 } }, MetricDirection.LowerIsBetter).BackwardTransfer.Should().Be(double.NaN);
    }

    [Fact]
    public void MissingValuesAfterATasksStage_OrWrongShapes_AreRefused()
    {
        double n = double.NaN;
        var missing = () => new ContinualMatrix(["t0", "t1"], new[,] { { 1.0, n }, { n, 2.0 } }, MetricDirection.LowerIsBetter);
        missing.Should().Throw<ArgumentException>().WithMessage("*R[1, 't0'] is NaN*");
        var shape = () => new ContinualMatrix(["t0"], new[,] { { 1.0, 2.0 } }, MetricDirection.LowerIsBetter);
        shape.Should().Throw<ArgumentException>().WithMessage("*shape [1, 2]*1 tasks*");
        var stage = () => new ContinualMatrix(["t0"], new[,] { { 1.0 } }, MetricDirection.LowerIsBetter, introducedAt: [1]);
        stage.Should().Throw<ArgumentException>().WithMessage("*introduced at stage 1*");
    }
}
