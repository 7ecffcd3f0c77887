using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class MoCoTests
{
    [Fact]
    public void TwoSteps_FollowThePaperUpdate()
    {
        // g1 = (2, 0), g2 = (0, 1). Step 1: β₁ = 0.5, γ₁ = 0.1: y1 = (1, 0), y2 = (0, ½), YᵀY = diag(1, ¼);
        // λ − 0.1·(½, ⅛) = (0.45, 0.4875) → simplex (0.48125, 0.51875); d = (0.48125, 0.259375).
        var m = new TinyModel(2);
        var ctx = m.Context("t1", "t2");
        var moco = new MoCo();
        var result = moco.Backward([m.Linear(0, 2, 0), m.Linear(1, 0, 1)], ctx);
        Expect.Close(result.Weights, 0.48125, 0.51875);
        Expect.Close(m.Theta.Grad, 0.48125, 0.259375);
        Expect.Close(m.Heads[0].Grad, 2);

        // Step 2, same gradients: β₂ = 0.5/√2, γ₂ = 0.1/√2.
        double b = 0.5 / Math.Sqrt(2), c = 0.1 / Math.Sqrt(2);
        double y1 = 1 - b * (1 - 2), y2 = 0.5 - b * (0.5 - 1);
        double l1 = 0.48125 - c * y1 * y1 * 0.48125, l2 = 0.51875 - c * y2 * y2 * 0.51875;
        double shift = (1 - l1 - l2) / 2;
        l1 += shift;
        l2 += shift;
        m.ZeroGrad();
        result = moco.Backward([m.Linear(0, 2, 0), m.Linear(1, 0, 1)], ctx);
        Expect.Close(result.Weights, l1, l2);
        Expect.Close(m.Theta.Grad, l1 * y1, l2 * y2);
        moco.Steps.Should().Be(2);
    }

    [Fact]
    public void AbsentTask_KeepsItsTrackedGradientAndWeight()
    {
        var m = new TinyModel(3);
        var ctx = m.Context("t1", "t2", "t3");
        var moco = new MoCo();
        moco.Backward([m.Linear(0, 1, 0), m.Linear(1, 0, 1), m.Linear(2, 1, 1)], ctx);
        double before = moco.StateDict().Values["lambda.1"];
        m.ZeroGrad();
        var result = moco.Backward([m.Linear(0, 1, 0), null, m.Linear(2, 1, 1)], ctx);
        moco.StateDict().Values["lambda.1"].Should().Be(before);
        result.Weights[1].Should().Be(0);
        (result.Weights[0] + result.Weights[2]).Should().BeApproximately(1, 1e-12);
    }

    [Fact]
    public void StateDict_Resume_ContinuesIdentically()
    {
        var m = new TinyModel(3);
        var ctx = m.Context("t1", "t2", "t3");
        var g = new Generator(8);
        var batches = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, 6).Select(_ => (float)g.NextNormal()).ToArray()).ToArray();
        Tensor?[] Losses(int s) => [m.Linear(0, batches[s][0], batches[s][1]), m.Linear(1, batches[s][2], batches[s][3]), m.Linear(2, batches[s][4], batches[s][5])];
        var original = new MoCo(gamma: 0.5);
        for (int s = 0; s < 4; s++) original.Backward(Losses(s), ctx);
        var snapshot = original.StateDict();
        var expected = new List<float[]>();
        for (int s = 4; s < 10; s++)
        {
            m.ZeroGrad();
            original.Backward(Losses(s), ctx);
            expected.Add(m.Theta.Grad!.ToArray());
        }
        var resumed = new MoCo(gamma: 0.5);
        resumed.LoadStateDict(snapshot);
        resumed.Steps.Should().Be(4);
        for (int s = 4; s < 10; s++)
        {
            m.ZeroGrad();
            resumed.Backward(Losses(s), ctx);
            m.Theta.Grad!.ToArray().Should().Equal(expected[s - 4]);
        }

        var two = new TinyModel(2);
        var other = new MoCo();
        other.Backward([two.Linear(0, 1, 0), two.Linear(1, 0, 1)], two.Context("t1", "t2"));
        other.Invoking(o => o.LoadStateDict(snapshot)).Should().Throw<ArgumentException>().WithMessage("*3 tasks*does not fit*");
        snapshot.Values["lambda.0"] = 1.5;
        new MoCo().Invoking(o => o.LoadStateDict(snapshot)).Should().Throw<ArgumentException>().WithMessage("*lambda.0*");
    }
}
