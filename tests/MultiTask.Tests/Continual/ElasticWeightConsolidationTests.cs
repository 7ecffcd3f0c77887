using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Continual;
using MultiTask.Data;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Tests.Training;
using MultiTask.Tests.Transfer;
using MultiTask.Training;

namespace MultiTask.Tests.Continual;

public class ElasticWeightConsolidationTests
{
    // ŷ = v·(w·x): the backbone Linear(1 → 1) holds w (shared), the head Linear(1 → 1) holds v; no biases.
    private static (HardSharingModel Model, Linear Backbone, Linear Head, EncodedData Data) Tiny()
    {
        var schema = new FeatureSchema().Numeric("x");
        var task = TaskSpec.Regression("y", ["x"]) with { TargetTransform = TargetTransform.None };
        var data = MultiTaskDataset.FromArrays(schema, [task], new double[][] { [0.5], [-1.2], [2.0], [0.3], [1.1] }, ["x"],
            new Dictionary<string, double[]> { ["y"] = [1.0, -0.4, 2.2, double.NaN, 0.7] });
        var encoder = FeatureEncoder.Fit(data);
        var backbone = new Linear(1, 1, bias: false);
        var head = new Linear(1, 1, bias: false);
        backbone.Weight.AsSpan()[0] = 0.8f;
        head.Weight.AsSpan()[0] = -1.3f;
        return (new HardSharingModel(backbone, 1, [("y", 1, head)], inputSize: 1), backbone, head, encoder.Transform(data));
    }

    [Fact]
    public void DiagonalFisher_IsTheMeanSquaredPerRowGradient_ByHandAndByFiniteDifferences()
    {
        var (model, backbone, head, data) = Tiny();
        var x = data.Features.ToArray();
        var y = data.Targets(0).ToArray();
        var labelled = data.LabeledRows(0);
        labelled.Should().HaveCount(4);

        var fisher = ElasticWeightConsolidation.DiagonalFisher(model, data, "y", [backbone.Weight, head.Weight]);

        // By hand: ℓ_n = (v·w·x_n − y_n)², ∂ℓ_n/∂w = 2(v·w·x_n − y_n)·v·x_n, ∂ℓ_n/∂v = 2(v·w·x_n − y_n)·w·x_n.
        double w = 0.8, v = -1.3, fw = 0, fv = 0;
        foreach (int n in labelled)
        {
            double r = 2 * (v * w * x[n] - y[n]);
            fw += Math.Pow(r * v * x[n], 2) / labelled.Count;
            fv += Math.Pow(r * w * x[n], 2) / labelled.Count;
        }
        ((double)fisher[0].Item()).Should().BeApproximately(fw, 1e-5 * fw);
        ((double)fisher[1].Item()).Should().BeApproximately(fv, 1e-5 * fv);

        // By central differences of each row's loss through the model itself.
        double FiniteDifference(Parameter p)
        {
            double sum = 0;
            const float h = 1e-2f;
            foreach (int n in labelled)
            {
                float saved = p.AsSpan()[0];
                double Loss(float value)
                {
                    p.AsSpan()[0] = value;
                    double out0 = model.ForwardTask(Tensor.FromArray([x[n]], 1, 1), "y").Item();
                    return (out0 - y[n]) * (out0 - y[n]);
                }
                double g = (Loss(saved + h) - Loss(saved - h)) / (2 * h);
                p.AsSpan()[0] = saved;
                sum += g * g;
            }
            return sum / labelled.Count;
        }
        ((double)fisher[0].Item()).Should().BeApproximately(FiniteDifference(backbone.Weight), 1e-3 * fw);
        ((double)fisher[1].Item()).Should().BeApproximately(FiniteDifference(head.Weight), 1e-3 * fv);
    }

    [Fact]
    public void DiagonalFisher_RestoresFrozenFlagsAndTrainingMode()
    {
        var (model, backbone, head, data) = Tiny();
        model.FreezeShared();

        var fisher = ElasticWeightConsolidation.DiagonalFisher(model, data, "y", [backbone.Weight]);

        fisher[0].Item().Should().BeGreaterThan(0);
        backbone.Weight.RequiresGrad.Should().BeFalse();
        backbone.Weight.Grad.Should().BeNull();
        head.Weight.Grad.Should().BeNull();
        model.IsTraining.Should().BeTrue();
    }

    [Fact]
    public void Penalty_AndItsGradient_MatchAHandComputation()
    {
        var (source, encoder, train) = TransferData.Source();
        var data = encoder.Transform(train);
        var ewc = new ElasticWeightConsolidation(lambda: 3.0);
        ewc.Penalty(source).Item().Should().Be(0, "nothing is consolidated yet");
        var first = ewc.Consolidate(source.ForTasks(["a"]), data, "a");
        var second = ewc.Consolidate(source.ForTasks(["b"]), data, "b");
        first.ParameterNames.Should().Equal("backbone.0.weight", "backbone.0.bias");
        first.Rows.Should().Be(data.LabelCount("a"));
        // Move the backbone away from θ*, as a later task's training would.
        var g = new Generator(7);
        foreach (var p in source.SharedParameters())
        {
            var span = p.AsSpan();
            for (int i = 0; i < span.Length; i++) span[i] += (float)(0.1 * g.NextNormal());
        }

        var penalty = ewc.Penalty(source.ForTasks(["b"]));
        penalty.Backward();

        double expected = 0;
        var gradient = source.SharedParameters().Select(p => new double[p.Numel]).ToArray();
        foreach (var task in new[] { first, second })
        {
            for (int k = 0; k < task.Parameters.Count; k++)
            {
                var theta = task.Parameters[k].ToArray();
                var anchor = task.Anchor[k].ToArray();
                var fisher = task.Fisher[k].ToArray();
                for (int i = 0; i < theta.Length; i++)
                {
                    double d = theta[i] - anchor[i];
                    expected += 3.0 / 2 * fisher[i] * d * d;
                    gradient[k][i] += 3.0 * fisher[i] * d;
                }
            }
        }
        expected.Should().BeGreaterThan(1e-4);
        ((double)penalty.Item()).Should().BeApproximately(expected, 1e-5 * expected);
        var shared = source.SharedParameters();
        for (int k = 0; k < shared.Count; k++)
        {
            var actual = shared[k].Grad!.ToArray();
            for (int i = 0; i < actual.Length; i++) actual[i].Should().BeApproximately((float)gradient[k][i], 1e-5f + 1e-4f * Math.Abs((float)gradient[k][i]));
        }
        source.TaskParameters("a").Should().OnlyContain(p => p.Grad == null);
    }

    [Fact]
    public void Penalty_LeavesOutParametersTheModelDoesNotHold()
    {
        var (source, encoder, train) = TransferData.Source();
        var ewc = new ElasticWeightConsolidation(1.0, ParameterSelector.Task("a"));
        ewc.Consolidate(source, encoder.Transform(train), "a");
        foreach (var p in source.TaskParameters("a")) p.AsSpan()[0] += 1f;

        ewc.Penalty(source.ForTasks(["b"])).Item().Should().Be(0);
        ewc.Penalty(source).Item().Should().BeGreaterThan(0);
    }

    [Fact]
    public void InTheTrainer_ThePenaltyIsPartOfTheObjective_AsAnyRegularization()
    {
        var (source, encoder, train) = TransferData.Source();
        var data = encoder.Transform(train);
        var ewc = new ElasticWeightConsolidation(50.0);
        ewc.Consolidate(source.ForTasks(["a"]), data, "a");
        foreach (var p in source.SharedParameters()) p.AsSpan()[0] += 0.5f;
        double penalty = ewc.Penalty(source).Item();
        var before = TransferData.Snapshot(source);

        double Objective(Regularization? regularization)
        {
            source.LoadStateDict(before.ToDictionary(p => p.Key, p => Tensor.FromArray(p.Value, [.. source.StateDict()[p.Key].Shape])));
            double objective = double.NaN;
            new MultiTaskTrainer(source, new TrainerOptions
            {
                Epochs = 1, Regularization = regularization,
                Callbacks = [new Probe { BatchEnd = c => { if (c.LastBatch!.Step == 0) objective = c.LastBatch.Objective; } }],
            }).Fit(data);
            return objective;
        }

        (Objective(ewc) - Objective(null)).Should().BeApproximately(penalty, 1e-4 * penalty);
        penalty.Should().BeGreaterThan(0);
        ewc.Norm.Should().BeNull();
    }

    [Fact]
    public void Consolidate_BadArguments_NameTheProblem()
    {
        var (source, encoder, train) = TransferData.Source();
        var data = encoder.Transform(train);
        var ewc = new ElasticWeightConsolidation(1.0);

        var unknown = () => ewc.Consolidate(source, data, "z");
        unknown.Should().Throw<ArgumentException>().WithMessage("*'z' is not a task of the model*");
        var unlabelled = () => ewc.Consolidate(source, encoder.Transform(TransferData.Dataset(["a", "b"], ["b"], 10, seed: 3)), "a");
        unlabelled.Should().Throw<ArgumentException>().WithMessage("*'a' has no labelled row*");
        var soft = MultiTaskModel.SoftSharing(encoder, hidden: [4], generator: new Generator(1));
        var none = () => ewc.Consolidate(soft, data, "a");
        none.Should().Throw<ArgumentException>().WithMessage("*SoftSharingModel has none*");
        var negative = () => new ElasticWeightConsolidation(-1);
        negative.Should().Throw<ArgumentOutOfRangeException>();
    }
}
