using System.Collections.Concurrent;
using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using MultiTask.Training;

namespace MultiTask.Tests.Training;

/// <summary>
/// One trained model shared by many threads that predict and evaluate at the same time, with dropout and batch
/// norm in it: every call must give exactly what a call on its own gives, and leave the model as it was.
/// </summary>
public class ConcurrentPredictionTests
{
    private const int Threads = 8, CallsPerThread = 50;

    /// <summary>Batch norm and dropout in the backbone, dropout in the heads: every mode-dependent layer the engine has.</summary>
    private static HardSharingModel Model(int inputSize, ulong seed)
    {
        var g = new Generator(seed);
        var backbone = new Sequential(
            new Linear(inputSize, 16, generator: g), new BatchNorm1d(16), new Relu(), new Dropout(0.3f, g),
            new Linear(16, 16, generator: g), new Relu());
        return MultiTaskModel.HardSharing(backbone, 16, [("a", 1), ("b", 1)], head: [8], options: new MlpOptions { Dropout = 0.2f },
            generator: g, inputSize: inputSize);
    }

    // Small evaluation batches: each call runs several forward passes, so calls overlap inside one another.
    private static TrainerOptions Options(ulong seed) => new()
    {
        Epochs = 2, BatchSize = 32, EvaluationBatchSize = 8, Seed = seed, Optimizer = new AdamOptions { LearningRate = 1e-2 },
    };

    private static Dictionary<string, float[]> State(Module model) => model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());

    private static void ShouldEqual(Dictionary<string, float[]> actual, Dictionary<string, float[]> expected, string because)
    {
        actual.Keys.Should().Equal(expected.Keys);
        foreach (var (name, values) in expected) actual[name].Should().Equal(values, $"'{name}' {because}");
    }

    private static string? Difference(TaskOutputs actual, TaskOutputs expected)
    {
        foreach (var (task, tensor) in expected)
            if (!actual[task].ToArray().SequenceEqual(tensor.ToArray())) return $"predictions of '{task}' differ";
        return null;
    }

    private static string? Difference(EvaluationResult actual, EvaluationResult expected, IEnumerable<string> tasks)
    {
        foreach (var task in tasks)
        {
            // Exact comparison: the same computation must give the same bits.
            if (actual[task].Loss.CompareTo(expected[task].Loss) != 0) return $"the loss of '{task}' differs";
            if (!actual[task].Metrics.OrderBy(m => m.Key).SequenceEqual(expected[task].Metrics.OrderBy(m => m.Key)))
                return $"the metrics of '{task}' differ";
        }
        return null;
    }

    /// <summary>Runs <paramref name="call"/>(thread, call index) on <see cref="Threads"/> threads at once; returns every difference or exception.</summary>
    private static List<string> RunConcurrently(Func<int, int, string?> call)
    {
        var failures = new ConcurrentQueue<string>();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < CallsPerThread; i++)
            {
                try
                {
                    if (call(t, i) is { } difference) failures.Enqueue($"thread {t}, call {i}: {difference}");
                }
                catch (Exception e)
                {
                    failures.Enqueue($"thread {t}, call {i}: {e.GetType().Name}: {e.Message}");
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return [.. failures];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConcurrentPredictAndEvaluate_AreBitIdenticalToSequentialCalls_AndLeaveTheModelAsItWas(bool training)
    {
        var (train, validation) = TrainingData.Encoded();
        var model = Model(train.Width, seed: 1);
        var trainer = new MultiTaskTrainer(model, Options(seed: 3));
        trainer.Fit(train);
        model.Train(training);
        var expected = trainer.Predict(validation);
        var expectedEvaluation = trainer.Evaluate(validation);
        var before = State(model);

        var failures = RunConcurrently((t, i) => (t + i) % 4 == 3
            ? Difference(trainer.Evaluate(validation), expectedEvaluation, model.TaskNames)
            : Difference(trainer.Predict(validation), expected));

        failures.Should().BeEmpty("every concurrent call must run in evaluation behaviour and see only its own inputs");
        model.Modules().Should().OnlyContain(m => m.IsTraining == training, "predicting must not change the model's mode");
        ShouldEqual(State(model), before, "must not change while predicting (batch norm's running statistics included)");

        // A later Fit still trains in training mode, and exactly as if no prediction had run: nothing that predicting
        // could have touched (mode, running statistics, the dropout masks' random stream) differs.
        var reference = Model(train.Width, seed: 1);
        new MultiTaskTrainer(reference, Options(seed: 3)).Fit(train);
        new MultiTaskTrainer(reference, Options(seed: 4)).Fit(train);
        new MultiTaskTrainer(model, Options(seed: 4)).Fit(train);
        model.Modules().Should().OnlyContain(m => m.IsTraining);
        State(model)["backbone.1.num_batches_tracked"].Should().Equal([before["backbone.1.num_batches_tracked"][0] + 10],
            "each of the 2 × 5 training batches updates the running statistics");
        ShouldEqual(State(model), State(reference), "must train exactly as a model that never predicted");
    }

    [Fact]
    public void ConcurrentEnsemblePredictAndEvaluate_AreBitIdenticalToSequentialCalls_AndLeaveTheMembersAsTheyWere()
    {
        var (train, validation) = TrainingData.Encoded();
        var ensemble = new MultiTaskEnsemble(2, i => Model(train.Width, seed: 10 + (ulong)i), i => Options(seed: 20 + (ulong)i));
        ensemble.Fit(train);
        var expected = ensemble.Predict(validation);
        var expectedEvaluation = ensemble.Evaluate(validation);
        var before = ensemble.Members.Select(m => State(m.Model)).ToArray();
        ensemble.Members.Should().OnlyContain(m => m.Model.IsTraining, "Fit leaves the models in training mode");

        var failures = RunConcurrently((t, i) => (t + i) % 4 == 3
            ? Difference(ensemble.Evaluate(validation), expectedEvaluation, ensemble.TaskNames)
            : Difference(ensemble.Predict(validation), expected));

        failures.Should().BeEmpty();
        for (int m = 0; m < before.Length; m++)
        {
            ensemble.Members[m].Model.Modules().Should().OnlyContain(module => module.IsTraining);
            ShouldEqual(State(ensemble.Members[m].Model), before[m], $"of member {m} must not change while predicting");
        }
    }
}
