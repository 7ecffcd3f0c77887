using FluentAssertions;
using MultiTask.Training;

namespace MultiTask.Tests.Training;

public class EvaluationResultTests
{
    [Fact]
    public void Mean_loss_weights_each_task_by_its_labels_and_is_recorded_for_early_stopping()
    {
        var data = TrainingData.Dataset(160, 11).Data;
        var encoder = MultiTask.Data.FeatureEncoder.Fit(data);
        var train = encoder.Transform(data);
        // Keep every row labelled for 'a' and only some for 'b', so the two tasks have different label counts.
        var held = TrainingData.Dataset(60, 12).Data;
        var validation = encoder.Transform(held.Subset(Enumerable.Range(0, held.RowCount).Where(r => r % 4 != 1).ToArray()));
        var trainer = new MultiTaskTrainer(TrainingData.Model(train.Width), new TrainerOptions { Epochs = 1, Seed = 2 });
        trainer.Fit(train, validation);
        var evaluation = trainer.Evaluate(validation);

        var a = evaluation["a"];
        var b = evaluation["b"];
        a.LabelCount.Should().NotBe(b.LabelCount, "the check needs unequal label counts to tell a mean from a sum");
        double expected = (a.Loss * a.LabelCount + b.Loss * b.LabelCount) / (a.LabelCount + b.LabelCount);
        evaluation.MeanLoss.Should().BeApproximately(expected, 1e-12);
        evaluation.Loss.Should().BeApproximately(a.Loss + b.Loss, 1e-12);
        trainer.History.Records[^1]["val_loss_mean"].Should().BeApproximately(expected, 1e-12);
    }
}
