using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.Tensors;
using MultiTask.Training;

namespace MultiTask.Tests.Data;

/// <summary>The encoder's target handling seen through a short trainer run.</summary>
public class FeatureEncoderTrainingTests
{
    [Fact]
    public void Trainer_refuses_a_model_task_without_training_labels()
    {
        var houses = TestData.Housing().Subset([0, 1, 2, 3]);
        var encoder = FeatureEncoder.Fit(houses);
        var model = MultiTaskModel.HardSharing(encoder.Width, [("house", 1), ("apartment", 1)], backbone: [4], generator: new Generator(1));
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 1 });
        FluentActions.Invoking(() => trainer.Fit(encoder.Transform(houses)))
            .Should().Throw<ArgumentException>().WithMessage("Task 'apartment' has no labels in the training data (4 rows)*build the model without it*");

        var houseOnly = MultiTaskModel.HardSharing(encoder.Width, [("house", 1)], backbone: [4], generator: new Generator(1));
        new MultiTaskTrainer(houseOnly, new TrainerOptions { Epochs = 1 }).Fit(encoder.Transform(houses)).EpochsCompleted.Should().Be(1);
    }
}
