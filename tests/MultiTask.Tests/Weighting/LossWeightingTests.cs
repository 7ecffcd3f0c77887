using FluentAssertions;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class LossWeightingTests
{
    public static IEnumerable<object[]> Strategies() =>
        new[] { "equal", "static", "uncertainty", "dwa", "gradnorm", "pcgrad", "mgda", "gls", "famo", "stch", "dbmtl", "excessmtl", "imtll" }.Select(s => new object[] { s });

    private static LossWeighting Create(string kind) => kind switch
    {
        "equal" => new EqualWeighting(),
        "static" => new StaticWeighting(new Dictionary<string, double> { ["t1"] = 0.3, ["t3"] = 2.0 }),
        "uncertainty" => new UncertaintyWeighting(["t3"]),
        "dwa" => new DynamicWeightAverage(),
        "gradnorm" => new GradNorm(),
        "mgda" => new Mgda(),
        "gls" => new Gls(),
        "famo" => new Famo(),
        "stch" => new Stch(),
        "dbmtl" => new DbMtl(),
        "excessmtl" => new ExcessMtl(),
        "imtll" => new ImtlL(),
        _ => new PCGrad(seed: 3),
    };

    private sealed record Outcome(double Objective, double[] Weights, float[] Theta, float[][] Heads, float[]? Learned);

    private static Outcome Run(string kind, string[] names, int[] taskIds, bool[] present)
    {
        var m = new TinyModel(3);
        var ctx = m.Context(names);
        var strategy = Create(kind);
        strategy.Initialize(ctx);
        var learned = strategy.Parameters().SingleOrDefault();
        if (learned is not null)
        {
            // Distinct, non-trivial learned weights, the same for the same task in both runs.
            for (int i = 0; i < taskIds.Length; i++) learned.AsSpan()[i] = 0.4f + 0.3f * taskIds[i];
        }
        var losses = taskIds.Select((t, i) => present[i] ? m.Mixed(t) : null).ToArray();
        var result = strategy.Backward(losses, ctx);
        return new Outcome(
            result.Objective,
            [.. result.Weights],
            m.Theta.Grad!.ToArray(),
            [.. taskIds.Select(t => m.Heads[t].Grad?.ToArray() ?? [])],
            learned?.Grad?.ToArray());
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Backward_AbsentTask_EqualsRunningWithoutThatTask(string kind)
    {
        var with = Run(kind, ["t1", "t2", "t3"], [0, 1, 2], [true, false, true]);
        var without = Run(kind, ["t1", "t3"], [0, 2], [true, true]);

        with.Weights.Should().OnlyContain(w => double.IsFinite(w));
        with.Weights[1].Should().Be(0);
        Expect.Close(with.Weights[0], without.Weights[0]);
        Expect.Close(with.Weights[2], without.Weights[1]);
        Expect.Close(with.Objective, without.Objective);
        Expect.Close(TensorOf(with.Theta), [.. without.Theta.Select(x => (double)x)]);
        with.Heads[1].Should().BeEmpty("an absent task's head gets no gradient");
        Expect.Close(TensorOf(with.Heads[0]), [.. without.Heads[0].Select(x => (double)x)]);
        Expect.Close(TensorOf(with.Heads[2]), [.. without.Heads[1].Select(x => (double)x)]);
        if (with.Learned is not null)
        {
            with.Learned[1].Should().Be(0);
            Expect.Close(TensorOf([with.Learned[0], with.Learned[2]]), [.. without.Learned!.Select(x => (double)x)]);
        }
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Backward_AllTasksAbsent_DoesNothingAndReportsZeros(string kind)
    {
        var m = new TinyModel(3);
        var ctx = m.Context("t1", "t2", "t3");
        var strategy = Create(kind);
        strategy.Initialize(ctx);
        var result = strategy.Backward([null, null, null], ctx);
        result.Weights.Should().Equal(0.0, 0.0, 0.0);
        result.Objective.Should().Be(0);
        m.Theta.Grad.Should().BeNull();
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Backward_ExtraObjective_IsAddedExactlyOnceAndConsumed(string kind)
    {
        // Extra = ½‖θ‖², whose gradient is θ = (1, 2) and value 2.5.
        var plain = new TinyModel(2);
        var plainCtx = plain.Context("t1", "t3");
        var s1 = Create(kind);
        s1.Initialize(plainCtx);
        var r1 = s1.Backward([plain.Mixed(0), plain.Mixed(1)], plainCtx);

        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t3");
        var s2 = Create(kind);
        s2.Initialize(ctx);
        ctx.ExtraObjective = m.Theta.Square().Sum() * 0.5f;
        var r2 = s2.Backward([m.Mixed(0), m.Mixed(1)], ctx);

        ctx.ExtraObjective.Should().BeNull();
        Expect.Close(r2.Objective, r1.Objective + 2.5);
        var p = plain.Theta.Grad!.ToArray();
        Expect.Close(m.Theta.Grad, p[0] + 1, p[1] + 2);
    }

    [Fact]
    public void Backward_ExtraObjectiveOnly_WhenNoTaskHasLabels()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        ctx.ExtraObjective = m.Theta.Square().Sum();
        var result = new EqualWeighting().Backward([null, null], ctx);
        Expect.Close(result.Objective, 5);
        Expect.Close(m.Theta.Grad, 2, 4);
    }

    [Fact]
    public void Backward_WrongNumberOfLosses_NamesBothCounts()
    {
        var m = new TinyModel(3);
        var act = () => new EqualWeighting().Backward([m.Square(1, 1), m.Square(1, 0), m.Square(0, 1)], m.Context("t1", "t2"));
        act.Should().Throw<ArgumentException>().WithMessage("Got 3 task losses for 2 tasks ('t1', 't2')*");
    }

    [Fact]
    public void Backward_NonScalarLoss_NamesTaskAndShape()
    {
        var m = new TinyModel(2);
        var act = () => new EqualWeighting().Backward([m.Square(1, 1), m.Theta * 2f], m.Context("t1", "t2"));
        act.Should().Throw<ArgumentException>().WithMessage("The loss of task 't2' has shape [2]*one element*");
    }

    [Fact]
    public void Backward_OneElementLossOfRankOne_IsAccepted()
    {
        var m = new TinyModel(1);
        var result = new EqualWeighting().Backward([m.Square(1, 1).Reshape(1)], m.Context("t1"));
        Expect.Close(result.Objective, 9);
    }

    [Fact]
    public void Backward_NaNLoss_NamesTaskAndStep()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        ctx.Step = 42;
        var act = () => new EqualWeighting().Backward([m.Square(1, 1), m.Square(1, 1) * float.NaN], ctx);
        act.Should().Throw<ArgumentException>().WithMessage("The loss of task 't2' is NaN at step 42*");
    }

    [Fact]
    public void Backward_LossWithoutGrad_NamesTask()
    {
        var m = new TinyModel(1);
        Tensor loss;
        using (Autograd.NoGrad()) loss = m.Square(1, 1);
        var act = () => new EqualWeighting().Backward([loss], m.Context("t1"));
        act.Should().Throw<ArgumentException>().WithMessage("The loss of task 't1' does not require grad*");
    }

    [Fact]
    public void Backward_NonScalarExtraObjective_Throws()
    {
        var m = new TinyModel(1);
        var ctx = m.Context("t1");
        ctx.ExtraObjective = m.Theta * 1f;
        var act = () => new EqualWeighting().Backward([m.Square(1, 1)], ctx);
        act.Should().Throw<ArgumentException>().WithMessage("*ExtraObjective has shape [2]*");
    }

    [Fact]
    public void Backward_RecordsFirstObservedLossPerTask()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var equal = new EqualWeighting();
        equal.Backward([m.Square(1, 1), null], ctx);
        ctx.InitialLosses.Should().Equal(9.0, null);
        equal.Backward([m.Square(0, 1), m.Square(1, -1)], ctx);
        ctx.InitialLosses.Should().Equal(9.0, 1.0);
    }

    [Fact]
    public void Backward_ContextWithOtherTasks_Throws()
    {
        var m = new TinyModel(2);
        var equal = new EqualWeighting();
        equal.Backward([m.Square(1, 1), null], m.Context("t1", "t2"));
        var act = () => equal.Backward([m.Square(1, 1), null], m.Context("a", "b"));
        act.Should().Throw<InvalidOperationException>().WithMessage("*'t1', 't2'*'a', 'b'*");
    }

    [Fact]
    public void CustomWeighting_DerivedFromTheBase_Works()
    {
        var m = new TinyModel(2);
        var result = new LargestLossOnly().Backward([m.Square(1, 1), m.Square(1, -1)], m.Context("t1", "t2"));
        Expect.Close(result.Weights, 1, 0);
        Expect.Close(m.Theta.Grad, 6, 6);
    }

    [Fact]
    public void CustomGradientWeighting_FromTheDocs_AveragesUnitGradients()
    {
        var m = new TinyModel(2);
        m.Theta.Grad = Tensor.FromArray([1f, 1f], 2);
        // g1 = (3, 4) → (0.6, 0.8); g2 = (0, 2) → (0, 1); their average is (0.3, 0.9).
        var result = new UnitGradientAverage().Backward([m.Linear(0, 3, 4), m.Linear(1, 0, 2)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 1.3, 1.9);
        Expect.Close(result.Weights, 1.0 / 10, 1.0 / 4);
        Expect.Close(m.Heads[1].Grad, 3);
    }

    [Fact]
    public void CustomWeighting_ThatIgnoresTheExtraObjective_Throws()
    {
        var m = new TinyModel(1);
        var ctx = m.Context("t1");
        ctx.ExtraObjective = m.Theta.Sum();
        var act = () => new ForgetfulWeighting().Backward([m.Square(1, 1)], ctx);
        act.Should().Throw<InvalidOperationException>().WithMessage("*did not add the context's ExtraObjective*");
        ctx.ExtraObjective.Should().BeNull();
    }

    [Fact]
    public void StatelessStrategies_HaveEmptyStateAndRejectForeignState()
    {
        var equal = new EqualWeighting();
        equal.StateDict().IsEmpty.Should().BeTrue();
        var foreign = new WeightingStateDict();
        foreign.Values["draws"] = 1;
        equal.Invoking(e => e.LoadStateDict(foreign)).Should().Throw<ArgumentException>().WithMessage("*'draws'*");
    }

    private static Tensor TensorOf(float[] values) => Tensor.FromArray(values, values.Length);

    private sealed class LargestLossOnly : LossWeighting
    {
        protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
        {
            int largest = -1;
            for (int i = 0; i < taskLosses.Count; i++)
            {
                if (taskLosses[i] is { } l && (largest < 0 || l.Item() > taskLosses[largest]!.Item())) largest = i;
            }
            var weights = new double[taskLosses.Count];
            weights[largest] = 1;
            return new WeightingResult(weights, BackwardObjective(WeightedSum(taskLosses, weights), context));
        }
    }

    private sealed class UnitGradientAverage : LossWeighting
    {
        protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
        {
            float[]?[] grads = TaskGradients(taskLosses, context);
            var combined = new float[context.SharedNumel];
            var weights = new double[grads.Length];
            int present = grads.Count(g => g is not null);
            for (int i = 0; i < grads.Length; i++)
            {
                if (grads[i] is not { } g) continue;
                double norm = Math.Sqrt(g.Sum(x => (double)x * x));
                if (norm == 0) continue;
                for (int k = 0; k < g.Length; k++) combined[k] += (float)(g[k] / norm / present);
                weights[i] = 1.0 / (norm * present);
            }
            double objective = BackwardWithSharedGradient(taskLosses, combined, context);
            return new WeightingResult(weights, objective);
        }
    }

    private sealed class ForgetfulWeighting : LossWeighting
    {
        protected override WeightingResult BackwardCore(IReadOnlyList<Tensor?> taskLosses, WeightingContext context)
        {
            var loss = taskLosses[0]!;
            loss.Backward();
            return new WeightingResult([1.0], loss.Item());
        }
    }
}
