using FluentAssertions;
using MultiTask.Engine.Losses;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Losses;

public class LossTests
{
    private static readonly Generator G = new(17);

    public static IEnumerable<object[]> ElementwiseLosses() =>
    [
        [new MseLoss()], [new L1Loss()], [new SmoothL1Loss(0.5f)], [new HuberLoss(0.7f)],
        [new BceWithLogitsLoss(posWeight: Tensor.FromArray([2f, 1f, 0.5f]))], [new PoissonNllLoss(full: true)],
    ];

    [Theory]
    [MemberData(nameof(ElementwiseLosses))]
    public void MaskedElements_ChangeNeitherLossNorGradient_EvenWithNaNLabels(Loss loss)
    {
        var x = Tensor.Randn(new Generator(1), 4, 3);
        var target = Tensor.Rand(new Generator(2), 4, 3);
        var weight = Tensor.FromArray([1f, 0f, 1f, 1f, 1f, 0f, 1f, 1f, 1f, 1f, 1f, 1f], 4, 3);

        var x1 = x.Clone().Detach().RequireGrad();
        var l1 = loss.Forward(x1, target, weight);
        l1.Backward();

        var poisoned = target.Clone();
        poisoned[0, 1] = float.NaN;
        poisoned[1, 2] = float.PositiveInfinity;
        var x2 = x.Clone().Detach();
        x2[0, 1] = float.NaN;
        x2.RequiresGrad = true;
        var l2 = loss.Forward(x2, poisoned, weight);
        l2.Backward();

        l2.Item().Should().Be(l1.Item());
        x2.Grad!.ToArray().Should().Equal(x1.Grad!.ToArray());
        x2.Grad[0, 1].Should().Be(0f);
        x2.Grad[1, 2].Should().Be(0f);
    }

    [Fact]
    public void WeightedMean_DividesBySumOfWeights()
    {
        var x = Tensor.FromArray([1f, 2f, 3f]);
        var y = Tensor.Zeros(3);
        var w = Tensor.FromArray([2f, 1f, 0f]);
        // (2·1 + 1·4 + 0·9) / (2 + 1 + 0)
        new MseLoss().Forward(x, y, w).Item().Should().BeApproximately(2f, 1e-6f);
        new MseLoss(Reduction.Sum).Forward(x, y, w).Item().Should().Be(6f);
        new MseLoss(Reduction.None).Forward(x, y, w).ToArray().Should().Equal(2f, 4f, 0f);
    }

    [Fact]
    public void OnesWeight_EqualsUnweighted()
    {
        var x = Tensor.Randn(G, 5, 2);
        var y = Tensor.Randn(G, 5, 2);
        new HuberLoss().Forward(x, y, Tensor.Ones(5, 2)).Item().Should().BeApproximately(new HuberLoss().Forward(x, y).Item(), 1e-6f);
    }

    [Fact]
    public void RowWeights_BroadcastOverColumns()
    {
        var x = Tensor.FromArray([1f, 1f, 2f, 2f], 2, 2);
        var y = Tensor.Zeros(2, 2);
        // rows weighted [1, 0]: mean over the first row only
        new MseLoss().Forward(x, y, Tensor.FromArray([1f, 0f], 2, 1)).Item().Should().Be(1f);
    }

    [Fact]
    public void EveryElementMasked_GivesZeroWithZeroGradient()
    {
        var x = Tensor.Randn(G, 3).RequireGrad();
        var loss = new MseLoss().Forward(x, Tensor.Full([3], float.NaN), Tensor.Zeros(3));
        loss.Item().Should().Be(0f);
        loss.Backward();
        x.Grad!.ToArray().Should().OnlyContain(v => v == 0f);
    }

    [Fact]
    public void CrossEntropy_MaskedRows_ChangeNothing_AndCombineWithClassWeights()
    {
        var logits = Tensor.Randn(new Generator(3), 4, 3);
        var classWeights = Tensor.FromArray([1f, 2f, 0.5f]);
        var loss = new CrossEntropyLoss(classWeights);
        var targets = Tensor.FromArray([0f, 2f, 1f, 1f]);

        var a = logits.Clone().Detach().RequireGrad();
        var la = loss.Forward(a, targets, Tensor.FromArray([1f, 0f, 1f, 1f]));
        la.Backward();

        var kept = Tensor.FromArray(new[] { 0, 2, 3 }.SelectMany(i => logits.ToArray().Skip(i * 3).Take(3)).ToArray(), 3, 3).RequireGrad();
        var lk = loss.Forward(kept, Tensor.FromArray([0f, 1f, 1f]));
        lk.Backward();

        la.Item().Should().BeApproximately(lk.Item(), 1e-6f);
        a.Grad!.ToArray().Skip(3).Take(3).Should().OnlyContain(v => v == 0f);

        var withNaN = targets.Clone();
        withNaN[1] = float.NaN;
        loss.Forward(logits, withNaN, Tensor.FromArray([1f, 0f, 1f, 1f])).Item().Should().Be(la.Item());
    }

    [Fact]
    public void CrossEntropy_AllTargetsIgnored_IsNaN_AsInPyTorch()
    {
        var loss = new CrossEntropyLoss().Forward(Tensor.Randn(G, 2, 3), Tensor.FromArray([-100f, -100f]));
        float.IsNaN(loss.Item()).Should().BeTrue();
    }

    [Fact]
    public void ShapeMismatch_ThrowsNamingBothShapes()
    {
        var act = () => new MseLoss().Forward(Tensor.Zeros(4, 1), Tensor.Zeros(4));
        act.Should().Throw<ArgumentException>().WithMessage("*[4]*[4, 1]*");
    }

    [Fact]
    public void WeightThatDoesNotBroadcast_Throws()
    {
        var act = () => new MseLoss().Forward(Tensor.Zeros(4, 2), Tensor.Zeros(4, 2), Tensor.Ones(4));
        act.Should().Throw<ArgumentException>().WithMessage("*weight shape [4]*[4, 2]*");
    }

    [Theory]
    [InlineData(3f)]
    [InlineData(-1f)]
    [InlineData(0.5f)]
    public void ClassIndexOutOfRange_ThrowsNamingIndexAndClassCount(float bad)
    {
        var act = () => new CrossEntropyLoss().Forward(Tensor.Zeros(2, 3), Tensor.FromArray([0f, bad]));
        act.Should().Throw<ArgumentException>().WithMessage($"*index {bad}*3 classes*");
        var nll = () => new NllLoss().Forward(Tensor.Zeros(2, 3), Tensor.FromArray([bad, 0f]));
        nll.Should().Throw<ArgumentException>().WithMessage($"*index {bad}*3 classes*");
    }

    [Fact]
    public void CrossEntropy_TargetShapeMismatch_Throws()
    {
        var act = () => new CrossEntropyLoss().Forward(Tensor.Zeros(2, 3), Tensor.Zeros(3));
        act.Should().Throw<ArgumentException>().WithMessage("*[2, 3]*[2]*got [3]*");
        var weights = () => new CrossEntropyLoss(Tensor.Ones(2)).Forward(Tensor.Zeros(2, 3), Tensor.Zeros(2));
        weights.Should().Throw<ArgumentException>().WithMessage("*[3]*got [2]*");
    }

    [Fact]
    public void BCE_InputOutsideZeroOne_Throws()
    {
        var act = () => new BceLoss().Forward(Tensor.FromArray([0.5f, 1.2f]), Tensor.Zeros(2));
        act.Should().Throw<ArgumentException>().WithMessage("*[0, 1]*1.2*BceWithLogitsLoss*");
    }

    [Fact]
    public void BCE_AtExactZeroAndOne_IsFiniteWithLogClampedAtMinus100()
    {
        var x = Tensor.FromArray([0f, 1f, 0f]).RequireGrad();
        var loss = new BceLoss(reduction: Reduction.None).Forward(x, Tensor.FromArray([1f, 0f, 0f]));
        loss.ToArray().Should().Equal(100f, 100f, 0f);
        loss.Sum().Backward();
        x.Grad!.ToArray().Should().OnlyContain(v => float.IsFinite(v));
    }

    [Fact]
    public void BCEWithLogits_HugeLogits_StayFinite()
    {
        var loss = new BceWithLogitsLoss(reduction: Reduction.None).Forward(Tensor.FromArray([1000f, -1000f]), Tensor.FromArray([0f, 1f]));
        loss.ToArray().Should().Equal(1000f, 1000f);
    }

    [Fact]
    public void GaussianNLL_WithoutVariance_TellsHowToCall()
    {
        var act = () => new GaussianNllLoss().Forward(Tensor.Zeros(2), Tensor.Zeros(2));
        act.Should().Throw<InvalidOperationException>().WithMessage("*variance*");
        var neg = () => new GaussianNllLoss().Forward(Tensor.Zeros(2), Tensor.Zeros(2), Tensor.FromArray([1f, -1f]));
        neg.Should().Throw<ArgumentException>().WithMessage("*non-negative*-1*");
        var shape = () => new GaussianNllLoss().Forward(Tensor.Zeros(2, 3), Tensor.Zeros(2, 3), Tensor.Ones(3));
        shape.Should().Throw<ArgumentException>().WithMessage("*[3]*[2, 3]*");
    }

    [Fact]
    public void GaussianNLL_MaskedElement_WithNaNTarget_ChangesNothing()
    {
        var mean = Tensor.Randn(new Generator(4), 3).RequireGrad();
        var variance = Tensor.FromArray([0.5f, 1f, 2f]).RequireGrad();
        var target = Tensor.FromArray([0.1f, float.NaN, -0.3f]);
        var loss = new GaussianNllLoss().Forward(mean, target, variance, Tensor.FromArray([1f, 0f, 1f]));
        loss.Backward();
        float.IsFinite(loss.Item()).Should().BeTrue();
        mean.Grad![1].Should().Be(0f);
        variance.Grad![1].Should().Be(0f);
    }

    [Fact]
    public void InvalidOptions_Throw()
    {
        ((Action)(() => _ = new SmoothL1Loss(-1f))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => _ = new HuberLoss(0f))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => _ = new CrossEntropyLoss(labelSmoothing: 1.5f))).Should().Throw<ArgumentOutOfRangeException>();
    }
}
