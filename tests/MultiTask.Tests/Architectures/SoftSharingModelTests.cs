using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using static MultiTask.Tests.Architectures.ArchitectureTestUtil;

namespace MultiTask.Tests.Architectures;

public class SoftSharingModelTests
{
    private static readonly (string Name, int OutputSize)[] ThreeTasks = [("a", 1), ("b", 2), ("c", 1)];

    private static SoftSharingModel Model(double strength, SoftSharingDistance distance, bool penalizeHeads = false,
        (string Name, int OutputSize)[]? tasks = null) =>
        MultiTaskModel.SoftSharing(3, tasks ?? ThreeTasks, hidden: [4, 2], strength: strength, distance: distance,
            penalizeHeads: penalizeHeads, generator: new Generator(1));

    /// <summary>The penalty by hand, in double precision: literal pairs or distances to the mean.</summary>
    private static double HandPenalty(SoftSharingModel model, double strength, SoftSharingDistance distance, string prefix)
    {
        var tasks = model.TaskNames;
        var names = model.NamedParameters().Where(p => p.Key.StartsWith($"{prefix}.{tasks[0]}.", StringComparison.Ordinal))
            .Select(p => p.Key[$"{prefix}.{tasks[0]}.".Length..]).ToList();
        var all = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ToArray());
        double total = 0;
        foreach (var name in names)
        {
            var theta = tasks.Select(t => all[$"{prefix}.{t}.{name}"]).ToArray();
            for (int k = 0; k < theta[0].Length; k++)
            {
                if (distance == SoftSharingDistance.Pairwise)
                {
                    for (int i = 0; i < theta.Length; i++)
                        for (int j = i + 1; j < theta.Length; j++)
                            total += Math.Pow(theta[i][k] - theta[j][k], 2);
                }
                else
                {
                    double mean = theta.Average(th => (double)th[k]);
                    total += theta.Sum(th => Math.Pow(th[k] - mean, 2));
                }
            }
        }
        return strength * total;
    }

    [Fact]
    public void NamesShapesAndNothingShared()
    {
        var model = Model(0.1, SoftSharingDistance.ToMean);

        model.StateDict().Keys.Should().StartWith(["columns.a.0.weight", "columns.a.0.bias", "columns.a.2.weight", "columns.a.2.bias", "columns.b.0.weight"]);
        model.StateDict().Keys.Should().Contain(["heads.b.0.weight", "heads.c.0.bias"]);
        model.StateDict()["heads.b.0.weight"].Shape.Should().Equal(2, 2);
        model.SharedParameters().Should().BeEmpty();
        model.LastSharedParameters.Should().BeEmpty();
        model.TaskParameters("b").Should().HaveCount(6);
        var y = model.Forward(Tensor.Randn(new Generator(2), 5, 3));
        y["b"].Shape.Should().Equal(5, 2);
        model.ForwardTask(Tensor.Ones(2, 3), "c").ToArray().Should().Equal(model.Forward(Tensor.Ones(2, 3))["c"].ToArray());
    }

    [Theory]
    [InlineData(SoftSharingDistance.ToMean)]
    [InlineData(SoftSharingDistance.Pairwise)]
    public void PenaltyMatchesAHandComputation(SoftSharingDistance distance)
    {
        var model = Model(0.3, distance);

        double expected = HandPenalty(model, 0.3, distance, "columns");

        expected.Should().BeGreaterThan(0.01);
        model.Penalty().Item().Should().BeApproximately((float)expected, (float)(1e-5 * expected));
    }

    [Fact]
    public void PenaltyOverHeadsAddsTheHeadDistances()
    {
        var tasks = new[] { ("a", 2), ("b", 2) };
        var model = Model(0.5, SoftSharingDistance.Pairwise, penalizeHeads: true, tasks: tasks);

        double expected = HandPenalty(model, 0.5, SoftSharingDistance.Pairwise, "columns") + HandPenalty(model, 0.5, SoftSharingDistance.Pairwise, "heads");

        model.Penalty().Item().Should().BeApproximately((float)expected, (float)(1e-5 * expected));
    }

    [Theory]
    [InlineData(SoftSharingDistance.ToMean, 1.0)]
    [InlineData(SoftSharingDistance.Pairwise, 3.0)]
    public void PenaltyGradientIsTwoLambdaTimesTheDeviationFromTheMean(SoftSharingDistance distance, double factor)
    {
        // d/dθ_i λ·Σ_k ‖θ_k − θ̄‖² = 2λ(θ_i − θ̄) because Σ_k (θ_k − θ̄) = 0; Pairwise is T = 3 times that.
        const double lambda = 0.7;
        var model = Model(lambda, distance);

        model.Penalty().Backward();

        var all = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        foreach (var name in new[] { "0.weight", "0.bias", "2.weight", "2.bias" })
        {
            var theta = model.TaskNames.Select(t => all[$"columns.{t}.{name}"]).ToArray();
            foreach (var p in theta)
            {
                var values = p.ToArray();
                var grad = p.Grad!.ToArray();
                for (int k = 0; k < values.Length; k++)
                {
                    double mean = theta.Average(th => (double)th.AsSpan()[k]);
                    grad[k].Should().BeApproximately((float)(2 * lambda * factor * (values[k] - mean)), 1e-5f);
                }
            }
        }
        model.NamedParameters().Where(p => p.Key.StartsWith("heads.", StringComparison.Ordinal)).Should().OnlyContain(p => p.Value.Grad == null);
    }

    [Fact]
    public void IdenticalColumnsHaveNoPenaltyAndZeroStrengthGivesZero()
    {
        var model = Model(1.0, SoftSharingDistance.ToMean);
        var first = model.Column("a").Parameters().ToList();
        foreach (var task in new[] { "b", "c" })
        {
            var other = model.Column(task).Parameters().ToList();
            for (int i = 0; i < first.Count; i++) first[i].AsSpan().CopyTo(other[i].AsSpan());
        }

        // The float32 mean of three equal values can be off in the last bit.
        model.Penalty().Item().Should().BeApproximately(0f, 1e-10f);
        Model(0, SoftSharingDistance.Pairwise).Penalty().Item().Should().Be(0f);
    }

    [Fact]
    public void HeadsOfDifferentWidthsCannotBeTied()
    {
        var act = () => Model(0.1, SoftSharingDistance.ToMean, penalizeHeads: true);

        act.Should().Throw<ArgumentException>().WithMessage("*'0.weight'*task 'b'*[2, 2]*task 'a'*[1, 2]*penalizeHeads: false*");
    }

    [Fact]
    public void UserColumnsMustCorrespond()
    {
        var act = () => new SoftSharingModel([("a", 1, new Linear(3, 4), new Linear(4, 1)), ("b", 1, new Linear(3, 5), new Linear(5, 1))]);

        act.Should().Throw<ArgumentException>().WithMessage("*'weight'*task 'b'*[5, 3]*task 'a'*[4, 3]*");

        var names = () => new SoftSharingModel([("a", 1, new Sequential(new Linear(3, 4)), new Linear(4, 1)), ("b", 1, new Linear(3, 4), new Linear(4, 1))]);
        names.Should().Throw<ArgumentException>().WithMessage("*task 'b'*[weight, bias]*task 'a'*[0.weight, 0.bias]*");
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        var negative = () => Model(-1, SoftSharingDistance.ToMean);
        negative.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*strength*");

        var noHidden = () => MultiTaskModel.SoftSharing(3, ThreeTasks, hidden: []);
        noHidden.Should().Throw<ArgumentException>().WithMessage("*at least one hidden size*");
    }

    [Fact]
    public void FrozenColumnGetsNoPenaltyGradient()
    {
        var model = Model(1.0, SoftSharingDistance.ToMean);
        model.FreezeTask("a");

        model.Penalty().Backward();

        model.TaskParameters("a").Should().OnlyContain(p => p.Grad == null);
        model.Column("b").Parameters().Should().OnlyContain(p => p.Grad != null);
    }
}
