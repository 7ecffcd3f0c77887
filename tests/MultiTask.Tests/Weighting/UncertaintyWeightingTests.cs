using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Losses;
using MultiTask.Engine.Tensors;
using MultiTask.Tasks;
using MultiTask.Training;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class UncertaintyWeightingTests
{
    [Fact]
    public void Backward_MatchesKendallFormula_WeightsAndGradients()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var weighting = new UncertaintyWeighting(classificationTasks: ["t2"]);
        weighting.Initialize(ctx);
        weighting.LogVariances.AsSpan()[0] = 0.5f;
        weighting.LogVariances.AsSpan()[1] = -1f;

        var result = weighting.Backward([m.Square(1, 1), m.Square(1, -1)], ctx);

        // t1 regression c = ½, t2 classification c = 1; L1 = 9, L2 = 1.
        double s1 = 0.5, s2 = -1, c1 = 0.5, c2 = 1, l1 = 9, l2 = 1;
        double w1 = c1 * Math.Exp(-s1), w2 = c2 * Math.Exp(-s2);
        Expect.Close(result.Weights, w1, w2);
        Expect.Close(result.Objective, w1 * l1 + 0.5 * s1 + w2 * l2 + 0.5 * s2);
        // ∂/∂sᵢ = −cᵢ·exp(−sᵢ)·Lᵢ + ½.
        Expect.Close(weighting.LogVariances.Grad, -w1 * l1 + 0.5, -w2 * l2 + 0.5);
        // ∂/∂θ = Σ wᵢ ∇Lᵢ with ∇L1 = (6, 6), ∇L2 = (−2, 2).
        Expect.Close(m.Theta.Grad, w1 * 6 + w2 * -2, w1 * 6 + w2 * 2);
    }

    [Fact]
    public void Backward_ClassificationKindsFromTheContext_UseTheClassificationForm_WithoutListingThem()
    {
        var m = new TinyModel(3);
        var ctx = new WeightingContext(["t1", "t2", "t3"], [m.Theta], taskKinds: [TaskKind.Regression, TaskKind.Binary, TaskKind.Multiclass]);
        var weighting = new UncertaintyWeighting();
        weighting.Initialize(ctx);
        weighting.LogVariances.AsSpan()[1] = 1f;

        var result = weighting.Backward([m.Square(1, 1), m.Square(1, -1), m.Square(0, 1)], ctx);

        // L = (9, 1, 4); c = (½, 1, 1); s = (0, 1, 0).
        Expect.Close(result.Weights, 0.5, Math.Exp(-1), 1);
        Expect.Close(result.Objective, 0.5 * 9 + Math.Exp(-1) * 1 + 0.5 * 1 + 4);
        Expect.Close(weighting.LogVariances.Grad, -0.5 * 9 + 0.5, -Math.Exp(-1) + 0.5, -4 + 0.5);
    }

    [Fact]
    public void Backward_ExplicitListStillWorks_AndWinsOverARegressionKind()
    {
        var m = new TinyModel(2);
        var ctx = new WeightingContext(["t1", "t2"], [m.Theta], taskKinds: [TaskKind.Regression, TaskKind.Custom]);
        var weighting = new UncertaintyWeighting(classificationTasks: ["t2"]);
        weighting.Initialize(ctx);
        weighting.Scales(ctx).Should().Equal(0.5, 1.0);
        var unlisted = new UncertaintyWeighting();
        unlisted.Initialize(ctx);
        unlisted.Scales(ctx).Should().Equal([0.5, 0.5], "a custom task uses the regression form unless listed");
    }

    [Fact]
    public void Trainer_GivesTheContextTheTaskKindsAndLosses_SoABinaryTaskGetsTheClassificationForm()
    {
        var g = new Generator(4);
        var x = new double[80][];
        var price = new double[80];
        var sold = new double[80];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = [g.NextNormal(), g.NextNormal()];
            price[i] = x[i][0] - x[i][1];
            sold[i] = x[i][0] > 0 ? 1 : 0;
        }
        var schema = new FeatureSchema().Numeric("x1").Numeric("x2");
        TaskSpec[] tasks = [TaskSpec.Regression("price", ["x1", "x2"]), TaskSpec.Binary("sold", ["x1", "x2"])];
        var data = MultiTaskDataset.FromArrays(schema, tasks, x, ["x1", "x2"], new Dictionary<string, double[]> { ["price"] = price, ["sold"] = sold });
        var encoded = FeatureEncoder.Fit(data).Transform(data);
        var model = MultiTask.Architectures.MultiTaskModel.HardSharing(encoded.Width, [("price", 1), ("sold", 1)], backbone: [4], generator: new Generator(1));
        var first = new FirstBatch();
        var trainer = new MultiTaskTrainer(model, new TrainerOptions { Epochs = 1, BatchSize = 80, Weighting = new UncertaintyWeighting(), Callbacks = [first] });

        trainer.Fit(encoded);

        trainer.WeightingContext.TaskKinds.Should().Equal(TaskKind.Regression, TaskKind.Binary);
        trainer.WeightingContext.TaskLosses!.Select(l => l?.GetType()).Should().Equal(typeof(MseLoss), typeof(BceWithLogitsLoss));
        // With s = 0 at the first step the weight is cᵢ: ½ for the regression task, 1 for the binary one.
        first.Weights!["price"].Should().Be(0.5);
        first.Weights["sold"].Should().Be(1.0);
    }

    private sealed class FirstBatch : Callback
    {
        public IReadOnlyDictionary<string, double>? Weights { get; private set; }

        public override void OnBatchEnd(TrainingContext context) => Weights ??= context.LastBatch!.Weights;
    }

    [Fact]
    public void Backward_InitialLogVariancesZero_RegressionWeightIsHalf()
    {
        var m = new TinyModel(1);
        var ctx = m.Context("t1");
        var weighting = new UncertaintyWeighting();
        weighting.Initialize(ctx);
        var result = weighting.Backward([m.Square(1, 1)], ctx);
        Expect.Close(result.Weights, 0.5);
        Expect.Close(weighting.LogVariances.Grad, -0.5 * 9 + 0.5);
    }

    [Fact]
    public void Backward_AbsentTask_ItsLogVarianceGetsNoGradient()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var weighting = new UncertaintyWeighting();
        weighting.Initialize(ctx);
        var result = weighting.Backward([null, m.Square(1, -1)], ctx);
        Expect.Close(result.Weights, 0, 0.5);
        Expect.Close(weighting.LogVariances.Grad, 0, -0.5 * 1 + 0.5);
    }

    [Fact]
    public void Backward_BeforeInitialize_ThrowsBecauseTheOptimizerCannotHaveTheWeights()
    {
        var m = new TinyModel(1);
        var act = () => new UncertaintyWeighting().Backward([m.Square(1, 1)], m.Context("t1"));
        act.Should().Throw<InvalidOperationException>().WithMessage("*Initialize(context)*Parameters()*");
    }

    [Fact]
    public void Initialize_UnknownClassificationTask_ListsKnownTasks()
    {
        var m = new TinyModel(1);
        var act = () => new UncertaintyWeighting(["nope"]).Initialize(m.Context("t1"));
        act.Should().Throw<ArgumentException>().WithMessage("*'nope'*Known tasks: 't1'*");
    }

    [Fact]
    public void StateDict_RoundTrip_RestoresInPlace()
    {
        var ctx = new TinyModel(2).Context("t1", "t2");
        var a = new UncertaintyWeighting();
        a.Initialize(ctx);
        a.LogVariances.AsSpan()[0] = 0.25f;
        a.LogVariances.AsSpan()[1] = -0.75f;
        var snapshot = a.StateDict();
        a.LogVariances.AsSpan()[0] = 9f;
        Expect.Close(snapshot.Tensors["log_variances"], 0.25, -0.75);

        var b = new UncertaintyWeighting();
        b.Initialize(ctx);
        var parameter = b.LogVariances;
        b.LoadStateDict(snapshot);
        b.LogVariances.Should().BeSameAs(parameter);
        Expect.Close(b.LogVariances, 0.25, -0.75);
    }

    [Fact]
    public void LoadStateDict_WrongShapeOrKeys_Throws()
    {
        var b = new UncertaintyWeighting();
        b.Initialize(new TinyModel(2).Context("t1", "t2"));
        var wrongShape = new WeightingStateDict();
        wrongShape.Tensors["log_variances"] = Tensor.Zeros(3);
        b.Invoking(x => x.LoadStateDict(wrongShape)).Should().Throw<ArgumentException>().WithMessage("*[3]*[2]*");
        var wrongKey = new WeightingStateDict();
        wrongKey.Tensors["task_weights"] = Tensor.Zeros(2);
        b.Invoking(x => x.LoadStateDict(wrongKey)).Should().Throw<ArgumentException>().WithMessage("*'task_weights'*");
    }
}
