using FluentAssertions;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.NN;

/// <summary>
/// A Sequential records a Linear followed by a ReLU as one operation with the activation in place; it must be
/// bit-identical to the two operations run one after the other, forward and backward, and keep higher-order gradients.
/// </summary>
public class FusedLinearReluTests
{
    private static (Sequential Net, Linear First, Linear Second) Build()
    {
        var g = new Generator(11);
        var first = new Linear(5, 7, generator: g);
        var second = new Linear(7, 3, generator: g);
        return (new Sequential(first, new Relu(), second, new Relu()), first, second);
    }

    [Fact]
    public void SequentialLinearRelu_IsBitIdenticalToTheUnfusedOperations()
    {
        var x = Tensor.Randn(new Generator(12), 9, 5);
        var (net, first, second) = Build();
        var fused = net.Forward(x);
        fused.GradFn!.Name.Should().Be("LinearReluBackward");
        fused.Square().Sum().Backward();
        var fusedGrads = net.Parameters().Select(p => p.Grad!.ToArray()).ToList();

        net.ZeroGrad();
        var unfused = second.Forward(first.Forward(x).Relu()).Relu();
        unfused.Square().Sum().Backward();

        fused.ToArray().Should().Equal(unfused.ToArray());
        net.Parameters().Select(p => p.Grad!.ToArray()).Should().BeEquivalentTo(fusedGrads, o => o.WithStrictOrdering());
    }

    [Fact]
    public void SequentialLinearRelu_InputGradientAndSecondOrderGradient_MatchTheUnfusedOperations()
    {
        var x = Tensor.Randn(new Generator(13), 4, 5);
        var (net, first, second) = Build();

        float[] GradOfGradNorm(Func<Tensor, Tensor> f)
        {
            var xi = x.Clone().Detach().RequireGrad();
            var dx = Autograd.Grad([f(xi).Square().Sum()], [xi], createGraph: true)[0]!;
            return Autograd.Grad([dx.Square().Sum()], [xi])[0]!.ToArray();
        }

        GradOfGradNorm(net.Forward).Should().Equal(GradOfGradNorm(xi => second.Forward(first.Forward(xi).Relu()).Relu()));
    }
}
