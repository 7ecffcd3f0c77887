using FluentAssertions;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Optim;

/// <summary>Invalid hyper-parameters are rejected with PyTorch's messages.</summary>
public class OptimizerOptionsTests
{
    private static Tensor[] P() => [Tensor.Zeros(2).RequireGrad()];

    public static IEnumerable<object[]> Invalid() => new (string, Action)[]
    {
        ("*learning rate*-0.1*", () => _ = new Sgd(P(), lr: -0.1)),
        ("*momentum*-1*", () => _ = new Sgd(P(), lr: 0.1, momentum: -1)),
        ("*weight decay*-0.5*", () => _ = new Sgd(P(), lr: 0.1, weightDecay: -0.5)),
        ("*Nesterov*momentum and zero dampening*", () => _ = new Sgd(P(), lr: 0.1, nesterov: true)),
        ("*Nesterov*momentum and zero dampening*", () => _ = new Sgd(P(), lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true)),
        ("*learning rate*", () => _ = new Adam(P(), lr: -1e-3)),
        ("*beta parameter at index 0*1*", () => _ = new Adam(P(), betas: (1.0, 0.999))),
        ("*beta parameter at index 1*-0.1*", () => _ = new Adam(P(), betas: (0.9, -0.1))),
        ("*epsilon*", () => _ = new Adam(P(), eps: -1)),
        ("*weight decay*", () => _ = new Adam(P(), weightDecay: -1)),
        ("*beta parameter at index 0*", () => _ = new AdamW(P(), betas: (-0.5, 0.9))),
        ("*weight decay*", () => _ = new AdamW(P(), weightDecay: -0.01)),
        ("*alpha*", () => _ = new RmsProp(P(), alpha: -0.1)),
        ("*momentum*", () => _ = new RmsProp(P(), momentum: -0.1)),
        ("*epsilon*", () => _ = new RmsProp(P(), eps: -1)),
        ("*lr_decay*", () => _ = new Adagrad(P(), lrDecay: -0.1)),
        ("*initial_accumulator_value*", () => _ = new Adagrad(P(), initialAccumulatorValue: -1)),
        ("*epsilon*", () => _ = new Adagrad(P(), eps: -1)),
        ("*LearningRate*-1*", () => _ = new ParamGroup(P(), learningRate: -1)),
        ("*beta parameter at index 1*", () => _ = new ParamGroup(P(), betas: (0.9, 1.5))),
        // +∞ passed the old `>= 0` checks and turned the first step's weights into ±∞ or NaN.
        ("*learning rate*finite*", () => _ = new Sgd(P(), lr: double.PositiveInfinity)),
        ("*learning rate*finite*", () => _ = new Adam(P(), lr: double.PositiveInfinity)),
        ("*learning rate*finite*", () => _ = new AdamW(P(), lr: double.PositiveInfinity)),
        ("*learning rate*finite*", () => _ = new RmsProp(P(), lr: double.PositiveInfinity)),
        ("*learning rate*finite*", () => _ = new Adagrad(P(), lr: double.PositiveInfinity)),
        ("*weight decay*finite*", () => _ = new Adam(P(), weightDecay: double.PositiveInfinity)),
        ("*momentum*finite*", () => _ = new Sgd(P(), lr: 0.1, momentum: double.PositiveInfinity)),
        ("*dampening*finite*", () => _ = new Sgd(P(), lr: 0.1, momentum: 0.9, dampening: double.NegativeInfinity)),
        ("*epsilon*finite*", () => _ = new Adam(P(), eps: double.PositiveInfinity)),
        ("*alpha*finite*", () => _ = new RmsProp(P(), alpha: double.PositiveInfinity)),
        ("*lr_decay*finite*", () => _ = new Adagrad(P(), lrDecay: double.PositiveInfinity)),
        ("*initial_accumulator_value*finite*", () => _ = new Adagrad(P(), initialAccumulatorValue: double.PositiveInfinity)),
        ("*LearningRate*finite*", () => _ = new ParamGroup(P(), learningRate: double.PositiveInfinity)),
        ("*LearningRate*finite*", () => new Sgd(P(), lr: 0.1).ParamGroups[0].LearningRate = double.PositiveInfinity),
    }.Select((c, i) => new object[] { i, c.Item1, c.Item2 });

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_HyperParameter_Throws(int index, string message, Action create)
    {
        _ = index;
        create.Should().Throw<ArgumentException>().WithMessage(message);
    }

    [Fact]
    public void NesterovCheck_AppliesToPerGroupMomentum()
    {
        var p = P();
        var act = () => new Sgd([new ParamGroup(p, momentum: 0)], new SgdOptions { LearningRate = 0.1, Momentum = 0.9, Nesterov = true });
        act.Should().Throw<ArgumentException>().WithMessage("*Nesterov*");
    }

    [Fact]
    public void Defaults_MatchPyTorch()
    {
        var adam = new Adam(P());
        adam.ParamGroups[0].LearningRate.Should().Be(1e-3);
        adam.ParamGroups[0].Betas.Should().Be((0.9, 0.999));
        ((AdamOptions)adam.Defaults).Eps.Should().Be(1e-8);
        new AdamW(P()).ParamGroups[0].WeightDecay.Should().Be(1e-2);
        var rms = (RmsPropOptions)new RmsProp(P()).Defaults;
        (rms.LearningRate, rms.Alpha, rms.Eps).Should().Be((1e-2, 0.99, 1e-8));
        var ada = (AdagradOptions)new Adagrad(P()).Defaults;
        (ada.LearningRate, ada.Eps).Should().Be((1e-2, 1e-10));
    }

    [Fact]
    public void ParamGroup_BeforeAttaching_ExplainsThatLearningRateIsUnset()
    {
        var act = () => new ParamGroup(P()).LearningRate;
        act.Should().Throw<InvalidOperationException>().WithMessage("*LearningRate is not set*");
    }
}
