using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class GlsTests
{
    [Fact]
    public void Backward_IsTheGeometricMean_WithWeightsGOverKLi()
    {
        // L = (9, 1): G = √9 = 3, weights G/(2·Lᵢ) = (1/6, 3/2); ∇L1 = (6, 6), ∇L2 = (−2, 2).
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");

        var result = new Gls().Backward([m.Square(1, 1), m.Square(1, -1)], ctx);

        Expect.Close(result.Objective, 3);
        Expect.Close(result.Weights, 1.0 / 6, 1.5);
        Expect.Close(m.Theta.Grad, 6.0 / 6 - 3, 6.0 / 6 + 3);
    }

    [Fact]
    public void Backward_ThreeTasksOneAbsent_UsesTheCubeRootOfThePresentOnesOnly()
    {
        // L = (2, absent, 8, 4) over three present tasks: G = ∛64 = 4, weights 4/(3·Lᵢ).
        var losses = new[] { 2f, 8f, 4f }.Select(v => new Parameter(Tensor.Scalar(v))).ToArray();
        var ctx = new WeightingContext(["a", "b", "c", "d"], []);

        var result = new Gls().Backward([losses[0], null, losses[1], losses[2]], ctx);

        Expect.Close(result.Objective, 4);
        Expect.Close(result.Weights, 4.0 / 6, 0, 4.0 / 24, 4.0 / 12);
        Expect.Close(losses[0].Grad, 4.0 / 6);
        Expect.Close(losses[1].Grad, 4.0 / 24);
    }

    [Fact]
    public void Backward_NonPositiveLoss_NamesTheTask()
    {
        var ctx = new WeightingContext(["a", "b"], []);
        var act = () => new Gls().Backward([new Parameter(Tensor.Scalar(1f)), new Parameter(Tensor.Scalar(0f))], ctx);
        act.Should().Throw<ArgumentException>().WithMessage("*task 'b' has loss 0*positive losses*");
    }
}
