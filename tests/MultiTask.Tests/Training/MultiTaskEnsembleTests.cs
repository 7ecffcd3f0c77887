using FluentAssertions;
using MultiTask.Engine.Optim;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Training;

public class MultiTaskEnsembleTests
{
    private static MultiTaskEnsemble Ensemble(int members, int maxParallel = 1, Func<int, ulong>? seed = null)
    {
        var (train, _) = TrainingData.Encoded(trainRows: 80, validationRows: 30);
        seed ??= i => (ulong)(10 + i);
        return new MultiTaskEnsemble(members,
            i => TrainingData.Model(train.Width, seed: seed(i)),
            i => new TrainerOptions { Epochs = 3, BatchSize = 16, Seed = seed(i), Optimizer = new AdamOptions { LearningRate = 1e-2 } },
            maxParallel);
    }

    [Fact]
    public void Predict_IsTheMeanOfTheMembersPredictions()
    {
        var (train, validation) = TrainingData.Encoded(trainRows: 80, validationRows: 30);
        var ensemble = Ensemble(3);
        ensemble.Fit(train, validation).Should().HaveCount(3);

        var mean = ensemble.Predict(validation);
        var members = ensemble.Members.Select(m => m.Predict(validation)).ToArray();
        foreach (var task in new[] { "a", "b" })
        {
            var values = mean[task].ToArray();
            mean[task].Shape.Should().Equal(validation.RowCount, 1);
            for (int j = 0; j < values.Length; j++)
                ((double)values[j]).Should().BeApproximately(members.Average(m => (double)m[task].ToArray()[j]), 1e-6);
            // Independently seeded members really differ, so the mean is not any one of them.
            members[0][task].ToArray().Should().NotEqual(members[1][task].ToArray());
        }
    }

    [Fact]
    public void Evaluate_ScoresTheAveragedPrediction_InUserUnits()
    {
        var (train, validation) = TrainingData.Encoded(trainRows: 80, validationRows: 30);
        var targets = TrainingData.Dataset(30, 12).A;
        var ensemble = Ensemble(2);
        ensemble.Fit(train);

        var predictions = ensemble.Predict(validation)["a"].ToArray();
        var labelled = Enumerable.Range(0, targets.Length).Where(i => !double.IsNaN(targets[i])).ToArray();
        double rmse = Math.Sqrt(labelled.Average(i => Math.Pow(predictions[i] - targets[i], 2)));
        var evaluation = ensemble.Evaluate(validation);
        evaluation["a"]["rmse"].Should().BeApproximately(rmse, 1e-5 * rmse);
        evaluation["a"].LabelCount.Should().Be(labelled.Length);
        // The loss is MSE on the standardised scale of the averaged prediction.
        var stats = validation.Encoder.TargetStatistics("a")!.Value;
        evaluation["a"].Loss.Should().BeApproximately(rmse * rmse / (stats.Std * stats.Std), 1e-4 * evaluation["a"].Loss);
    }

    [Fact]
    public void IdenticalSeeds_EqualOneMember()
    {
        var (train, validation) = TrainingData.Encoded(trainRows: 80, validationRows: 30);
        var ensemble = Ensemble(3, seed: _ => 7);
        ensemble.Fit(train);
        var single = new MultiTaskTrainer(TrainingData.Model(train.Width, seed: 7),
            new TrainerOptions { Epochs = 3, BatchSize = 16, Seed = 7, Optimizer = new AdamOptions { LearningRate = 1e-2 } });
        single.Fit(train);

        var mean = ensemble.Predict(validation);
        var one = single.Predict(validation);
        foreach (var task in new[] { "a", "b" }) mean[task].ToArray().Should().Equal(one[task].ToArray());
        var ensembleEval = ensemble.Evaluate(validation);
        var singleEval = single.Evaluate(validation);
        foreach (var task in new[] { "a", "b" })
        {
            ensembleEval[task].Metrics.Should().Equal(singleEval[task].Metrics);
            ensembleEval[task].Loss.Should().BeApproximately(singleEval[task].Loss, 1e-5 * singleEval[task].Loss);
        }
    }

    [Fact]
    public void Parallelism_DoesNotChangeTheResult()
    {
        var (train, validation) = TrainingData.Encoded(trainRows: 80, validationRows: 30);
        var sequential = Ensemble(3, maxParallel: 1);
        var parallel = Ensemble(3, maxParallel: 2);
        sequential.Fit(train, validation);
        parallel.Fit(train, validation);

        var a = sequential.Predict(validation);
        var b = parallel.Predict(validation);
        foreach (var task in new[] { "a", "b" }) b[task].ToArray().Should().Equal(a[task].ToArray());
    }

    [Fact]
    public void SharedStatefulOptions_AreRejected()
    {
        var weighting = new UncertaintyWeighting();
        FluentActions.Invoking(() => new MultiTaskEnsemble(2, i => TrainingData.Model(3, seed: (ulong)i), _ => new TrainerOptions { Weighting = weighting }))
            .Should().Throw<ArgumentException>().WithMessage("*members 0 and 1 share one UncertaintyWeighting*");
        var model = TrainingData.Model(3);
        FluentActions.Invoking(() => new MultiTaskEnsemble(2, _ => model, _ => new TrainerOptions()))
            .Should().Throw<ArgumentException>().WithMessage("*same model*");
        FluentActions.Invoking(() => new MultiTaskEnsemble(2, i => TrainingData.Model(3, seed: 1, tasks: i == 0 ? ["a", "b"] : ["a"]), _ => new TrainerOptions()))
            .Should().Throw<ArgumentException>().WithMessage("*Member 1 has tasks 'a'*");
    }
}
