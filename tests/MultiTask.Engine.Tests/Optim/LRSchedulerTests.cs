using FluentAssertions;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Optim;

public class LRSchedulerTests
{
    private static Sgd NewSgd() => new([new ParamGroup([Tensor.Zeros(2)]), new ParamGroup([Tensor.Zeros(3)], learningRate: 0.05)],
        new SgdOptions { LearningRate = 0.1, Momentum = 0.9 });

    public static IEnumerable<object[]> Kinds() => new[] { "step", "multistep", "exp", "cosine", "linear", "onecycle" }.Select(k => new object[] { k });

    private static LRScheduler New(string kind, Optimizer o) => kind switch
    {
        "step" => new StepLR(o, 3, 0.5),
        "multistep" => new MultiStepLR(o, [2, 5, 5], 0.3),
        "exp" => new ExponentialLR(o, 0.9),
        "cosine" => new CosineAnnealingLR(o, 4, 0.01),
        "linear" => new LinearLR(o, 0.2, 1.0, 6),
        _ => new OneCycleLR(o, 0.5, 20),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void LoadStateDict_ResumesTheSameSchedule(string kind)
    {
        var straightOpt = NewSgd();
        var straight = New(kind, straightOpt);
        var firstOpt = NewSgd();
        var first = New(kind, firstOpt);
        for (int i = 0; i < 7; i++)
        {
            straight.Step();
            first.Step();
        }
        var optState = firstOpt.StateDict();
        var schedState = first.StateDict();

        var resumedOpt = NewSgd();
        var resumed = New(kind, resumedOpt);
        resumedOpt.LoadStateDict(optState);
        resumed.LoadStateDict(schedState);
        resumed.LastEpoch.Should().Be(7);
        for (int i = 0; i < 10; i++)
        {
            straight.Step();
            resumed.Step();
            resumed.GetLastLr().Should().Equal(straight.GetLastLr(), $"step {8 + i}");
            resumedOpt.ParamGroups.Select(g => g.Momentum).Should().Equal(straightOpt.ParamGroups.Select(g => g.Momentum));
        }
    }

    [Fact]
    public void FirstScheduler_RecordsInitialLearningRate_AndChainsWithUserChanges()
    {
        var opt = NewSgd();
        var s = new StepLR(opt, 2, 0.5);
        opt.ParamGroups[0].InitialLearningRate.Should().Be(0.1);
        s.BaseLrs.Should().Equal(0.1, 0.05);
        s.Step();
        opt.ParamGroups[0].LearningRate = 1.0;
        s.Step();
        opt.ParamGroups[0].LearningRate.Should().Be(0.5);
    }

    [Fact]
    public void LinearLR_AppliesStartFactorOnConstruction()
    {
        var opt = NewSgd();
        _ = new LinearLR(opt, startFactor: 0.5);
        opt.ParamGroups.Select(g => g.LearningRate).Should().Equal(0.05, 0.025);
    }

    [Fact]
    public void OneCycleLR_OnAdagrad_WithMomentumCycling_Throws()
    {
        var opt = new Adagrad([Tensor.Zeros(2)]);
        var act = () => new OneCycleLR(opt, 0.1, 10);
        act.Should().Throw<ArgumentException>().WithMessage("*Adagrad has no momentum*cycleMomentum: false*");
        _ = new OneCycleLR(opt, 0.1, 10, cycleMomentum: false);
        opt.ParamGroups[0].LearningRate.Should().BeApproximately(0.1 / 25, 1e-15);
    }

    [Fact]
    public void OneCycleLR_SteppedPastTheEnd_Throws()
    {
        var s = new OneCycleLR(NewSgd(), 0.1, 3);
        for (int i = 0; i < 3; i++) s.Step();
        var act = () => s.Step();
        act.Should().Throw<InvalidOperationException>().WithMessage("*Tried to step 5 times*total steps is 3*");
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        var opt = NewSgd();
        ((Action)(() => _ = new StepLR(opt, 0))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*stepSize*");
        ((Action)(() => _ = new CosineAnnealingLR(opt, 0))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*tMax*");
        ((Action)(() => _ = new LinearLR(opt, startFactor: 0))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Starting multiplicative factor*");
        ((Action)(() => _ = new LinearLR(opt, endFactor: 1.5))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Ending multiplicative factor*");
        ((Action)(() => _ = new OneCycleLR(opt, 0.1, 0))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*totalSteps*");
        ((Action)(() => _ = new OneCycleLR(opt, 0.1, 10, pctStart: 1.5))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*pctStart*");
        ((Action)(() => _ = new OneCycleLR(opt, [0.1], 10))).Should().Throw<ArgumentException>().WithMessage("*2 values for maxLrs*got 1*");
        ((Action)(() => _ = new ReduceLROnPlateau(opt, factor: 1.0))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Factor*");
    }

    [Fact]
    public void ReduceLROnPlateau_StateDict_Resumes()
    {
        var metrics = new[] { 1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8 };
        var straightOpt = NewSgd();
        var straight = new ReduceLROnPlateau(straightOpt, patience: 1, cooldown: 1);
        var firstOpt = NewSgd();
        var first = new ReduceLROnPlateau(firstOpt, patience: 1, cooldown: 1);
        for (int i = 0; i < 3; i++)
        {
            straight.Step(metrics[i]);
            first.Step(metrics[i]);
        }
        var resumedOpt = NewSgd();
        var resumed = new ReduceLROnPlateau(resumedOpt, patience: 1, cooldown: 1);
        resumedOpt.LoadStateDict(firstOpt.StateDict());
        resumed.LoadStateDict(first.StateDict());
        for (int i = 3; i < metrics.Length; i++)
        {
            straight.Step(metrics[i]);
            resumed.Step(metrics[i]);
            resumed.GetLastLr().Should().Equal(straight.GetLastLr());
        }
        straight.GetLastLr()[0].Should().BeLessThan(0.1);
        resumed.Best.Should().Be(0.8);
    }

    [Fact]
    public void LoadStateDict_WithMissingKey_Throws()
    {
        var s = new ExponentialLR(NewSgd(), 0.9);
        var state = s.StateDict();
        state.Remove("base_lrs.1");
        var act = () => s.LoadStateDict(state);
        act.Should().Throw<ArgumentException>().WithMessage("*base_lrs.1*");
    }
}
