using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Architectures;

public class MlpOptionsTests
{
    [Fact]
    public void Build_StacksHiddenLayersAndAnOutputLinear_NamedByPosition()
    {
        var mlp = new MlpOptions { LayerNorm = true, Activation = () => new Tanh() }.Build(5, [8, 4], outputSize: 2, generator: new Generator(1));

        mlp.Select(m => m.GetType()).Should().Equal(
            typeof(Linear), typeof(LayerNorm), typeof(Tanh), typeof(Linear), typeof(LayerNorm), typeof(Tanh), typeof(Linear));
        mlp.StateDict()["0.weight"].Shape.Should().Equal(8, 5);
        mlp.StateDict()["6.weight"].Shape.Should().Equal(2, 4);
        mlp.Forward(Tensor.Zeros(3, 5)).Shape.Should().Equal(3, 2);
    }

    [Fact]
    public void Build_WithoutOutputSize_EndsWithTheLastHiddenLayer_AndEmptyHiddenIsOneLinear()
    {
        new MlpOptions().Build(5, [8], generator: new Generator(1)).Select(m => m.GetType()).Should().Equal(typeof(Linear), typeof(Relu));

        var linear = new MlpOptions().Build(2, [], outputSize: 1, generator: new Generator(2));
        var only = (Linear)linear.Single();
        var x = Tensor.FromArray([1f, -2f], 1, 2);
        var w = only.Weight.ToArray();
        linear.Forward(x)[0, 0].Should().BeApproximately(w[0] - 2 * w[1] + only.Bias!.ToArray()[0], 1e-6f);
    }

    [Fact]
    public void Build_IsTheMlpTheFactoriesBuild()
    {
        var model = MultiTaskModel.HardSharing(3, [("y", 1)], backbone: [8, 4], generator: new Generator(7));
        var g = new Generator(7);
        var backbone = new MlpOptions().Build(3, [8, 4], generator: g);
        var head = new MlpOptions().Build(4, [], outputSize: 1, generator: g);

        backbone.StateDict().Select(kv => ("backbone." + kv.Key, kv.Value.ToArray()))
            .Concat(head.StateDict().Select(kv => ("heads.y." + kv.Key, kv.Value.ToArray())))
            .Should().BeEquivalentTo(model.StateDict().Select(kv => (kv.Key, kv.Value.ToArray())), o => o.WithStrictOrdering());
    }

    [Fact]
    public void AddHidden_ExtendsAnExistingSequence()
    {
        var net = new Sequential().Add("input", new Identity());
        int width = new MlpOptions { Dropout = 0.1f }.AddHidden(net, 6, [3], new Generator(1));

        width.Should().Be(3);
        net.Select(m => m.GetType()).Should().Equal(typeof(Identity), typeof(Linear), typeof(Relu), typeof(Dropout));
        net.StateDict().Keys.Should().Equal("1.weight", "1.bias");
    }

    [Fact]
    public void InvalidSizesAndOptionsAreRejected()
    {
        var options = new MlpOptions();
        options.Invoking(o => o.Build(3, [4, 0])).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*layer 1 has size 0*");
        options.Invoking(o => o.Build(3, [4], outputSize: 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*output size*");
        options.Invoking(o => o.Build(0, [4])).Should().Throw<ArgumentOutOfRangeException>();
        new MlpOptions { Dropout = 1f }.Invoking(o => o.AddHidden(new Sequential(), 3, [4])).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Dropout*");
    }
}
