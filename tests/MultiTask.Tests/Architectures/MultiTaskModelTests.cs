using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;
using static MultiTask.Tests.Architectures.ArchitectureTestUtil;

namespace MultiTask.Tests.Architectures;

public class MultiTaskModelTests
{
    private static HardSharingModel Model(Generator g) =>
        MultiTaskModel.HardSharing(3, HouseAndApartment, backbone: [8, 4], head: [2], generator: g);

    private static void Step(MultiTaskModel model, Optimizer optimizer, Tensor x, Tensor y1, Tensor y2)
    {
        optimizer.ZeroGrad();
        var outputs = model.Forward(x);
        var loss = new MseLoss().Forward(outputs["house"], y1) + new MseLoss().Forward(outputs["apartment"], y2);
        loss.Backward();
        optimizer.Step();
    }

    private static (Tensor X, Tensor Y1, Tensor Y2) Data(Generator g) =>
        (Tensor.Randn(g, 16, 3), Tensor.Randn(g, 16, 1), Tensor.Randn(g, 16, 2));

    [Fact]
    public void ZeroTasksIsRejected()
    {
        var act = () => MultiTaskModel.HardSharing(3, [], backbone: [4]);

        act.Should().Throw<ArgumentException>().WithMessage("*at least one task*");
    }

    [Fact]
    public void DuplicateTaskNamesAreRejected()
    {
        var act = () => MultiTaskModel.HardSharing(3, [("house", 1), ("house", 2)], backbone: [4]);

        act.Should().Throw<ArgumentException>().WithMessage("*'house'*more than once*");
    }

    [Theory]
    [InlineData("", 1, "*empty*")]
    [InlineData("a.b", 1, "*'a.b'*'.'*")]
    [InlineData("house", 0, "*'house'*output size 0*")]
    public void InvalidTasksAreRejected(string name, int size, string message)
    {
        var act = () => MultiTaskModel.HardSharing(3, [(name, size)], backbone: [4]);

        act.Should().Throw<ArgumentException>().WithMessage(message);
    }

    [Fact]
    public void UnknownTaskNameListsTheKnownOnes()
    {
        var model = Model(new Generator(1));

        model.Invoking(m => m.OutputSize("condo")).Should().Throw<ArgumentException>().WithMessage("*'condo'*'house', 'apartment'*");
        model.Invoking(m => m.FreezeTask("condo")).Should().Throw<ArgumentException>().WithMessage("*'condo'*'house', 'apartment'*");
        model.Invoking(m => m.TaskParameters("condo")).Should().Throw<ArgumentException>().WithMessage("*'condo'*'house', 'apartment'*");
        model.Invoking(m => m.ForwardTask(Tensor.Zeros(1, 3), "condo")).Should().Throw<ArgumentException>().WithMessage("*'condo'*");
    }

    [Fact]
    public void FrozenSharedParametersStayBitIdenticalUnderAdamWithWeightDecay()
    {
        var g = new Generator(2);
        var model = Model(g);
        var (x, y1, y2) = Data(g);
        model.FreezeShared();
        var before = Snapshot(model);
        var adam = new Adam(model.Parameters(), lr: 0.05, weightDecay: 0.1);

        for (int i = 0; i < 5; i++) Step(model, adam, x, y1, y2);

        foreach (var (name, p) in model.NamedParameters())
        {
            if (name.StartsWith("backbone.", StringComparison.Ordinal))
            {
                p.ToArray().Should().Equal(before[name], $"{name} is frozen");
                p.Grad.Should().BeNull();
                p.RequiresGrad.Should().BeFalse();
            }
            else
            {
                p.ToArray().Should().NotEqual(before[name], $"{name} is trained");
            }
        }
        model.SharedParameters(trainableOnly: true).Should().BeEmpty();
        model.SharedParameters().Should().HaveCount(4);
    }

    [Fact]
    public void FreezingOneTaskInTheMiddleOfTrainingStopsItsUpdatesAtOnce()
    {
        var g = new Generator(3);
        var model = Model(g);
        var (x, y1, y2) = Data(g);
        var adam = new Adam(model.Parameters(), lr: 0.05);
        for (int i = 0; i < 3; i++) Step(model, adam, x, y1, y2);

        // A gradient is pending when the task is frozen; freezing must drop it so the next step skips the task.
        var loss = new MseLoss().Forward(model.Forward(x)["apartment"], y2);
        loss.Backward();
        model.FreezeTask("apartment");
        var frozen = model.TaskParameters("apartment");
        frozen.Should().OnlyContain(p => p.Grad == null && !p.RequiresGrad);
        var before = Snapshot(model);
        adam.Step();
        for (int i = 0; i < 3; i++) Step(model, adam, x, y1, y2);

        var after = Snapshot(model);
        foreach (var name in after.Keys.Where(k => k.StartsWith("heads.apartment.", StringComparison.Ordinal)))
            after[name].Should().Equal(before[name], $"{name} is frozen");
        after["heads.house.0.weight"].Should().NotEqual(before["heads.house.0.weight"]);
        after["backbone.0.weight"].Should().NotEqual(before["backbone.0.weight"]);

        model.UnfreezeTask("apartment");
        Step(model, adam, x, y1, y2);
        Snapshot(model)["heads.apartment.0.weight"].Should().NotEqual(before["heads.apartment.0.weight"], "it is trainable again");
    }

    [Fact]
    public void FreezeByPrefixTouchesExactlyThatBlock()
    {
        var g = new Generator(4);
        var model = Model(g);
        var (x, y1, y2) = Data(g);
        var adam = new Adam(model.Parameters(), lr: 0.05);
        model.Freeze("backbone.0");
        var before = Snapshot(model);

        for (int i = 0; i < 3; i++) Step(model, adam, x, y1, y2);

        var after = Snapshot(model);
        after["backbone.0.weight"].Should().Equal(before["backbone.0.weight"]);
        after["backbone.0.bias"].Should().Equal(before["backbone.0.bias"]);
        after["backbone.2.weight"].Should().NotEqual(before["backbone.2.weight"]);

        model.Unfreeze("backbone");
        model.Parameters().Should().OnlyContain(p => p.RequiresGrad);
    }

    [Fact]
    public void PrefixMatchesWholeNameSegmentsOnly()
    {
        var model = MultiTaskModel.HardSharing(3, [("a", 1), ("ab", 1)], backbone: [4], generator: new Generator(5));

        model.FreezeTask("a");

        model.TaskParameters("a").Should().OnlyContain(p => !p.RequiresGrad);
        model.TaskParameters("ab").Should().OnlyContain(p => p.RequiresGrad);
    }

    [Fact]
    public void FreezeByModuleAndRejectsForeignModules()
    {
        var model = Model(new Generator(6));

        model.Freeze(model.Head("house"));

        model.TaskParameters("house").Should().OnlyContain(p => !p.RequiresGrad);
        model.SharedParameters().Should().OnlyContain(p => p.RequiresGrad);
        model.Invoking(m => m.Freeze(new Linear(2, 2))).Should().Throw<ArgumentException>().WithMessage("*not part of this HardSharingModel*");
        model.Unfreeze(model.Head("house"));
        model.Parameters().Should().OnlyContain(p => p.RequiresGrad);
    }

    [Fact]
    public void UnknownPrefixListsTheBlocks()
    {
        var model = Model(new Generator(7));

        model.Invoking(m => m.Freeze("backbone.1")).Should().Throw<ArgumentException>().WithMessage("*'backbone.1'*backbone.0*heads.house*");
        model.Invoking(m => m.Freeze("backbone.0x")).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void EveryArchitecturePartitionsItsParameters()
    {
        var g = new Generator(8);
        ShouldPartitionParameters(Model(g));
        ShouldPartitionParameters(MultiTaskModel.SoftSharing(3, HouseAndApartment, hidden: [4, 4], head: [2], generator: g));
        ShouldPartitionParameters(MultiTaskModel.CrossStitch(3, HouseAndApartment, hidden: [4, 4], head: [2], perChannel: true, generator: g));
    }

    [Fact]
    public void WrongInputWidthNamesBothWidths()
    {
        var model = Model(new Generator(9));

        model.Invoking(m => m.Forward(Tensor.Zeros(2, 4))).Should().Throw<ArgumentException>().WithMessage("*3 input features, got 4*");
        model.Invoking(m => m.Forward(Tensor.Zeros(3))).Should().Throw<ArgumentException>().WithMessage("*[batch, features]*[3]*");
    }
}
