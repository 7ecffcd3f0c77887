using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.NN;

public class ContainerTests
{
    [Fact]
    public void Sequential_ChainsModules_AndNamesThemByPosition()
    {
        var g = new Generator(5);
        var first = new Linear(3, 2, generator: g);
        var seq = new Sequential(first, new Relu()).Add("out", new Linear(2, 1, generator: g));
        seq.Count.Should().Be(3);
        seq[0].Should().BeSameAs(first);
        seq.NamedChildren().Select(c => c.Key).Should().Equal("0", "1", "out");
        var x = Tensor.Randn(g, 4, 3);
        var expected = ((Linear)seq[2]).Forward(first.Forward(x).Relu());
        seq.Forward(x).ToArray().Should().Equal(expected.ToArray());
    }

    [Fact]
    public void ModuleList_RegistersWithoutChaining()
    {
        var list = new ModuleList(new Linear(2, 2), new Linear(2, 3));
        list.Add(new Identity());
        list.Should().HaveCount(3);
        list.NamedParameters().Select(p => p.Key).Should().Equal("0.weight", "0.bias", "1.weight", "1.bias");
    }

    [Fact]
    public void ModuleDict_KeepsInsertionOrder_AndNamesUnknownKeys()
    {
        var dict = new ModuleDict([new("zeta", new Linear(1, 1)), new("alpha", new Linear(1, 1))]);
        dict.Keys.Should().Equal("zeta", "alpha");
        dict.NamedParameters().Select(p => p.Key).Should().Equal("zeta.weight", "zeta.bias", "alpha.weight", "alpha.bias");
        dict.ContainsKey("alpha").Should().BeTrue();
        var act = () => dict["beta"];
        act.Should().Throw<KeyNotFoundException>().WithMessage("*'beta'*zeta, alpha*");
    }
}
