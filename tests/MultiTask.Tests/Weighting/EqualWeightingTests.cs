using FluentAssertions;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class EqualWeightingTests
{
    [Fact]
    public void Backward_SumsLosses_GradientIsSumOfTaskGradients()
    {
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        // θ = (1, 2): L1 = (θ·(1,1))² = 9, ∇ = 2·3·(1,1); L2 = (θ·(1,−1))² = 1, ∇ = 2·(−1)·(1,−1).
        var result = new EqualWeighting().Backward([m.Square(1, 1), m.Square(1, -1)], ctx);

        Expect.Close(result.Weights, 1, 1);
        Expect.Close(result.Objective, 10);
        Expect.Close(m.Theta.Grad, 6 - 2, 6 + 2);
        result.Diagnostics.Should().BeEmpty();
    }

    [Fact]
    public void Backward_AbsentTask_IsSkippedAndReportsWeightZero()
    {
        var m = new TinyModel(2);
        var result = new EqualWeighting().Backward([m.Square(1, 1), null], m.Context("t1", "t2"));

        Expect.Close(result.Weights, 1, 0);
        Expect.Close(result.Objective, 9);
        Expect.Close(m.Theta.Grad, 6, 6);
    }

    [Fact]
    public void Backward_AccumulatesOntoExistingGradients()
    {
        var m = new TinyModel(2);
        m.Theta.Grad = MultiTask.Engine.Tensors.Tensor.FromArray([10f, 20f], 2);
        new EqualWeighting().Backward([m.Square(1, 1), m.Square(1, -1)], m.Context("t1", "t2"));
        Expect.Close(m.Theta.Grad, 14, 28);
    }
}
