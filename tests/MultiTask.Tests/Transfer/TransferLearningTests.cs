using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Saving;
using MultiTask.Training;
using MultiTask.Transfer;

namespace MultiTask.Tests.Transfer;

public class TransferLearningTests
{
    [Fact]
    public void AddTasks_KeepsTheSourceModulesAndAddsAHeadPerNewTask()
    {
        var (source, encoder, _) = TransferData.Source();
        var train = TransferData.Dataset(["a", "b", "c"], ["c"], 30, seed: 5);

        var transferred = TransferLearning.AddTasks(source, encoder, train, generator: new Generator(2));

        transferred.SourceTasks.Should().Equal("a", "b");
        transferred.NewTasks.Should().Equal("c");
        transferred.Model.TaskNames.Should().Equal("a", "b", "c");
        transferred.Model.Backbone.Should().BeSameAs(source.Backbone);
        transferred.Model.Head("a").Should().BeSameAs(source.Head("a"));
        transferred.Model.SharedParameters().Should().Equal(source.SharedParameters());
        transferred.Model.StateDict().Keys.Should().Contain(["heads.c.0.weight", "heads.c.0.bias"]);
        transferred.NewTasksModel.TaskNames.Should().Equal("c");
        transferred.NewTasksModel.TaskParameters("c").Should().Equal(transferred.Model.TaskParameters("c"));
        // A plain head's output layer starts at zero: the new task starts at its training mean (0 in standardised units).
        transferred.Model.TaskParameters("c").SelectMany(p => p.ToArray()).Should().OnlyContain(v => v == 0f);
        transferred.Encoder.Width.Should().Be(encoder.Width);
    }

    [Fact]
    public void AddTasks_DataWithoutTheSourceTasks_DropsTheirHeads()
    {
        var (source, encoder, _) = TransferData.Source();
        var train = TransferData.Dataset(["c"], ["c"], 30, seed: 5);

        var transferred = TransferLearning.AddTasks(source, encoder, train, new TransferOptions { Head = [4], ZeroOutputLayer = false }, new Generator(2));

        transferred.Model.TaskNames.Should().Equal("c");
        transferred.SourceTasks.Should().BeEmpty();
        transferred.Model.Backbone.Should().BeSameAs(source.Backbone);
        transferred.Model.StateDict().Keys.Should().Contain("heads.c.2.weight");
        transferred.Model.TaskParameters("c").Last().ToArray().Should().Contain(v => v != 0f);
    }

    [Fact]
    public void AddTasks_ResidualAndWideSource_NewTaskStartsFromThePooledPrediction()
    {
        var (source, encoder, _) = TransferData.Source(options: new HardSharingOptions
        {
            Backbone = [8], Head = [4], ResidualHeads = true, Wide = WidePath.SharedAndPerTask,
        });
        // Give the shared parts non-zero values, as training would.
        foreach (var p in source.Parameters()) Init.Uniform(p, -0.5, 0.5, new Generator(9));
        var train = TransferData.Dataset(["a", "b", "c"], ["c"], 30, seed: 5);

        var transferred = TransferLearning.AddTasks(source, encoder, train, new TransferOptions { Head = [4], ZeroOutputLayer = false }, new Generator(2));

        var inputs = transferred.Encoder.Transform(train).Features;
        var pooled = transferred.Model.SharedHead!.Forward(transferred.Model.Backbone.Forward(inputs)) + transferred.Model.Wide!.Forward(inputs);
        transferred.Model.ForwardTask(inputs, "c").ToArray().Should().Equal(pooled.ToArray());
        transferred.Model.WideHead("c").Should().NotBeNull();
        transferred.Model.WideHead("a").Should().BeSameAs(source.WideHead("a"));
    }

    [Fact]
    public void AddTasks_FromASavedModel_KeepsTheSourcePredictionsExactly()
    {
        var (source, encoder, train) = TransferData.Source();
        new MultiTaskTrainer(source, new TrainerOptions { Epochs = 3, Seed = 1 }).Fit(encoder.Transform(train));
        string path = Path.Combine(Path.GetTempPath(), $"transfer-{Guid.NewGuid():N}.mtmodel");
        try
        {
            ModelFile.Save(path, source, encoder);
            var newTrain = TransferData.Dataset(["a", "b", "c"], ["c"], 30, seed: 5);

            var transferred = TransferLearning.AddTasks(ModelFile.LoadModel(path), newTrain, generator: new Generator(2));

            var rows = TransferData.Dataset(["a", "b", "c"], ["a", "b"], 20, seed: 6);
            var expected = new MultiTaskTrainer(source).Predict(encoder.Transform(TransferData.Dataset(["a", "b"], ["a", "b"], 20, seed: 6)));
            var actual = new MultiTaskTrainer(transferred.Model).Predict(transferred.Encoder.Transform(rows));
            actual["a"].ToArray().Should().Equal(expected["a"].ToArray());
            actual["b"].ToArray().Should().Equal(expected["b"].ToArray());
            transferred.Model.Parameters().Should().OnlyContain(p => p.RequiresGrad);
            transferred.Model.IsTraining.Should().BeTrue();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AddTasks_NoNewTask_OrNotHardSharing_OrAnotherEncoder_AreRefused()
    {
        var (source, encoder, _) = TransferData.Source();

        var noNewTask = () => TransferLearning.AddTasks(source, encoder, TransferData.Dataset(["a", "b"], ["a"], 30, seed: 5));
        noNewTask.Should().Throw<ArgumentException>().WithMessage("*no new task*'a', 'b'*");

        var soft = MultiTaskModel.SoftSharing(encoder, hidden: [4], generator: new Generator(1));
        var notHard = () => TransferLearning.AddTasks(soft, encoder, TransferData.Dataset(["c"], ["c"], 30, seed: 5));
        notHard.Should().Throw<ArgumentException>().WithMessage("*SoftSharingModel*HardSharingModel*");

        var wider = MultiTaskModel.HardSharing(encoder.Width + 1, [("a", 1)], backbone: [4]);
        var otherEncoder = () => TransferLearning.AddTasks(wider, encoder, TransferData.Dataset(["c"], ["c"], 30, seed: 5));
        otherEncoder.Should().Throw<ArgumentException>().WithMessage($"*reads {encoder.Width + 1} input columns*produces {encoder.Width}*");

        var strayHead = () => TransferLearning.AddTasks(source, encoder, TransferData.Dataset(["c"], ["c"], 30, seed: 5),
            new TransferOptions { CustomHeads = new Dictionary<string, Module<Tensor, Tensor>> { ["a"] = new Linear(8, 1) } });
        strayHead.Should().Throw<ArgumentException>().WithMessage("*'a', which is not a new task*");
    }

    [Fact]
    public void LoadModel_TabularModelFile_IsRefused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"transfer-{Guid.NewGuid():N}.mtmodel");
        try
        {
            var train = TransferData.Dataset(["a", "b"], ["a", "b"], 60, seed: 3);
            MultiTask.Recipes.TabularRecipe.Fit(train, new MultiTask.Recipes.TabularRecipeOptions { Seed = 1, Members = 2, MaxEpochs = 2 }).Save(path);

            var act = () => ModelFile.LoadModel(path);

            act.Should().Throw<InvalidDataException>().WithMessage("*tabular model*ModelFile.Load*");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
