using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using static MultiTask.Tests.Architectures.ArchitectureTestUtil;

namespace MultiTask.Tests.Architectures;

public class CrossStitchModelTests
{
    [Fact]
    public void NamesShapesAndSharedParameters()
    {
        var model = MultiTaskModel.CrossStitch(3, HouseAndApartment, hidden: [8, 4], head: [2], generator: new Generator(1));

        var keys = model.StateDict().Keys.ToList();
        keys.Should().StartWith(["columns.house.0.0.weight", "columns.house.0.0.bias", "columns.house.1.0.weight"]);
        keys.Should().Contain(["columns.apartment.1.0.bias", "heads.house.0.weight", "heads.apartment.2.weight", "stitches.0.alpha", "stitches.1.alpha"]);
        model.StitchUnits.Should().HaveCount(2);
        model.StitchUnits[1].Alpha.Shape.Should().Equal(2, 2);
        model.LastSharedParameters.Should().Equal(model.StitchUnits[1].Alpha);
        model.NamedSharedParameters().Select(p => p.Key).Should().OnlyContain(k => k.StartsWith("columns.", StringComparison.Ordinal) || k.StartsWith("stitches.", StringComparison.Ordinal));
        model.NamedTaskParameters("house").Select(p => p.Key).Should().Equal("heads.house.0.weight", "heads.house.0.bias", "heads.house.2.weight", "heads.house.2.bias");

        var y = model.Forward(Tensor.Randn(new Generator(2), 5, 3));
        y["apartment"].Shape.Should().Equal(5, 2);
        model.ForwardTask(Tensor.Ones(2, 3), "house").ToArray().Should().Equal(model.Forward(Tensor.Ones(2, 3))["house"].ToArray());
    }

    [Fact]
    public void MixesHandCheckableColumns()
    {
        // Task a's stage is the identity, task b's doubles; identity heads expose the stitched activations.
        var columns = new (string, int, IReadOnlyList<Module<Tensor, Tensor>>)[]
        {
            ("a", 2, [new Identity(), new Identity()]),
            ("b", 2, [Fixed(new float[,] { { 2, 0 }, { 0, 2 } }), new Identity()]),
        };
        var model = new CrossStitchModel(columns, stitchWidths: [2], selfWeight: 0.9);
        var x = Tensor.FromArray([1f, -2f, 3f, 0.5f], 2, 2);

        var y = model.Forward(x);

        // ã = 0.9·x + 0.1·2x = 1.1x, b̃ = 0.1·x + 0.9·2x = 1.9x.
        y["a"].ToArray().Zip(x.ToArray(), (got, xi) => got - 1.1f * xi).Should().OnlyContain(d => Math.Abs(d) < 1e-6f);
        y["b"].ToArray().Zip(x.ToArray(), (got, xi) => got - 1.9f * xi).Should().OnlyContain(d => Math.Abs(d) < 1e-6f);
    }

    [Fact]
    public void EveryTaskLossReachesEveryStitchedColumn()
    {
        var model = MultiTaskModel.CrossStitch(3, HouseAndApartment, hidden: [4], generator: new Generator(3));

        model.Forward(Tensor.Randn(new Generator(4), 6, 3))["house"].Sum().Backward();

        model.SharedParameters().Should().OnlyContain(p => p.Grad != null);
        model.TaskParameters("apartment").Should().OnlyContain(p => p.Grad == null);
    }

    [Fact]
    public void UnequalStageWidthsNameTheStageTaskAndWidths()
    {
        var columns = new (string, int, IReadOnlyList<Module<Tensor, Tensor>>)[]
        {
            ("a", 1, [new Linear(3, 4), new Linear(4, 4), new Linear(4, 1)]),
            ("b", 1, [new Linear(3, 4), new Linear(4, 5), new Linear(5, 1)]),
        };
        var model = new CrossStitchModel(columns, stitchWidths: [4, 4]);

        model.Invoking(m => m.Forward(Tensor.Zeros(2, 3))).Should().Throw<InvalidOperationException>()
            .WithMessage("*point 1 (after stage 1)*task 'b'*[2, 5]*[2, 4]*");
    }

    [Fact]
    public void InvalidColumnsAreRejected()
    {
        var unequal = () => new CrossStitchModel(
            [("a", 1, [new Linear(3, 4), new Linear(4, 1)]), ("b", 1, [new Linear(3, 1)])], stitchWidths: [4]);
        unequal.Should().Throw<ArgumentException>().WithMessage("*task 'b' has 1, task 'a' has 2*");

        var single = () => new CrossStitchModel([("a", 1, [new Linear(3, 1)]), ("b", 1, [new Linear(3, 1)])], stitchWidths: []);
        single.Should().Throw<ArgumentException>().WithMessage("*at least two stages*");

        var widths = () => new CrossStitchModel(
            [("a", 1, [new Linear(3, 4), new Linear(4, 1)]), ("b", 1, [new Linear(3, 4), new Linear(4, 1)])], stitchWidths: [4, 4]);
        widths.Should().Throw<ArgumentException>().WithMessage("*1 for 2 stages, got 2*");

        var noHidden = () => MultiTaskModel.CrossStitch(3, HouseAndApartment, hidden: []);
        noHidden.Should().Throw<ArgumentException>().WithMessage("*at least one hidden size*");
    }

    [Fact]
    public void PerChannelUnitsHaveOneAlphaPerChannel()
    {
        var model = MultiTaskModel.CrossStitch(3, HouseAndApartment, hidden: [5], perChannel: true, selfWeight: 0.7, generator: new Generator(5));

        model.StitchUnits[0].Alpha.Shape.Should().Equal(2, 2, 5);
        model.StitchUnits[0].Alpha[1, 1, 4].Should().Be(0.7f);
        model.Forward(Tensor.Zeros(3, 3))["house"].Shape.Should().Equal(3, 1);
    }
}
