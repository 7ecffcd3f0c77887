using FluentAssertions;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Optim;

public class OptimizerTests
{
    public static IEnumerable<object[]> Kinds() =>
        new[] { "sgd", "sgd_nesterov", "adam", "adam_amsgrad", "adamw", "rmsprop", "rmsprop_centered", "adagrad" }.Select(k => new object[] { k });

    private static Tensor[] NewParameters(int seed)
    {
        var g = new Generator((ulong)seed);
        return [Tensor.Randn(g, 3, 4).RequireGrad(), Tensor.Randn(g, 5).RequireGrad(), Tensor.Randn(g, 2).RequireGrad()];
    }

    private static Optimizer NewOptimizer(string kind, Tensor[] p)
    {
        ParamGroup[] groups = [new ParamGroup([p[0], p[1]]), new ParamGroup([p[2]], learningRate: 0.003, weightDecay: 0.1)];
        return kind switch
        {
            "sgd" => new Sgd(groups, new SgdOptions { LearningRate = 0.1, Momentum = 0.9, Dampening = 0.1 }),
            "sgd_nesterov" => new Sgd(groups, new SgdOptions { LearningRate = 0.1, Momentum = 0.9, Nesterov = true }),
            "adam" => new Adam(groups, new AdamOptions { LearningRate = 0.01 }),
            "adam_amsgrad" => new Adam(groups, new AdamOptions { LearningRate = 0.01, Amsgrad = true }),
            "adamw" => new AdamW(groups, new AdamWOptions { LearningRate = 0.01 }),
            "rmsprop" => new RmsProp(groups, new RmsPropOptions { Momentum = 0.5 }),
            "rmsprop_centered" => new RmsProp(groups, new RmsPropOptions { Centered = true, Momentum = 0.5 }),
            _ => new Adagrad(groups, new AdagradOptions { LearningRateDecay = 0.01, InitialAccumulatorValue = 0.1 }),
        };
    }

    private static void SetGrads(Tensor[] parameters, int step)
    {
        var g = new Generator((ulong)(1000 + step));
        foreach (var p in parameters) p.Grad = Tensor.Randn(g, [.. p.Shape]);
        if (step % 4 == 1) parameters[1].Grad = null;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void LoadStateDict_ThenContinuing_IsBitIdenticalToAnUninterruptedRun(string kind)
    {
        var straight = NewParameters(1);
        var straightOpt = NewOptimizer(kind, straight);
        var first = NewParameters(1);
        var firstOpt = NewOptimizer(kind, first);
        for (int step = 0; step < 5; step++)
        {
            SetGrads(straight, step);
            straightOpt.Step();
            SetGrads(first, step);
            firstOpt.Step();
        }
        firstOpt.ParamGroups[0].LearningRate = straightOpt.ParamGroups[0].LearningRate = 0.0123456789;
        var saved = firstOpt.StateDict();

        var resumed = NewParameters(99);
        for (int i = 0; i < resumed.Length; i++) first[i].AsSpan().CopyTo(resumed[i].AsSpan());
        var resumedOpt = NewOptimizer(kind, resumed);
        resumedOpt.LoadStateDict(saved);
        for (int step = 5; step < 12; step++)
        {
            SetGrads(straight, step);
            straightOpt.Step();
            SetGrads(resumed, step);
            resumedOpt.Step();
        }
        for (int i = 0; i < straight.Length; i++)
            resumed[i].ToArray().Should().Equal(straight[i].ToArray(), $"parameter {i} after resuming");
    }

    [Fact]
    public void StateDict_IsACopy_AndMirrorsPyTorchKeys()
    {
        var p = NewParameters(2);
        var opt = NewOptimizer("adam", p);
        SetGrads(p, 0);
        opt.Step();
        var dict = opt.StateDict();
        dict.Tensors.Keys.Should().BeEquivalentTo("state.0.exp_avg", "state.0.exp_avg_sq", "state.1.exp_avg", "state.1.exp_avg_sq", "state.2.exp_avg", "state.2.exp_avg_sq");
        dict.Values["state.2.step"].Should().Be(1);
        dict.Values["param_groups.1.lr"].Should().Be(0.003);
        dict.Values["param_groups.1.weight_decay"].Should().Be(0.1);
        dict.Values["param_groups.0.num_params"].Should().Be(2);
        var before = dict.Tensors["state.0.exp_avg"].ToArray();
        SetGrads(p, 2);
        opt.Step();
        dict.Tensors["state.0.exp_avg"].ToArray().Should().Equal(before);
    }

    [Fact]
    public void LoadStateDict_WithWrongShape_NamesTheTensor_AndChangesNothing()
    {
        var p = NewParameters(3);
        var opt = NewOptimizer("adam", p);
        SetGrads(p, 0);
        opt.Step();
        var dict = opt.StateDict();
        dict.Tensors["state.1.exp_avg"] = Tensor.Zeros(4);
        var other = NewOptimizer("adam", NewParameters(3));
        var act = () => other.LoadStateDict(dict);
        act.Should().Throw<ArgumentException>().WithMessage("*state.1.exp_avg*[4]*parameter 1*[5]*");
        other.GetState(other.ParamGroups[0].Parameters[0]).Should().BeNull();
    }

    [Fact]
    public void LoadStateDict_WithDifferentGrouping_Throws()
    {
        var p = NewParameters(4);
        var dict = new Sgd(p, lr: 0.1).StateDict();
        var act = () => NewOptimizer("sgd", NewParameters(4)).LoadStateDict(dict);
        act.Should().Throw<ArgumentException>().WithMessage("*1 parameter groups*has 2*");

        var twoGroups = NewOptimizer("sgd", p).StateDict();
        twoGroups.Values["param_groups.0.num_params"] = 3;
        act = () => NewOptimizer("sgd", NewParameters(4)).LoadStateDict(twoGroups);
        act.Should().Throw<ArgumentException>().WithMessage("*group 0*3 parameters*2*");
    }

    [Fact]
    public void LoadStateDict_WithUnknownKey_Throws()
    {
        var p = NewParameters(5);
        var dict = NewOptimizer("sgd", p).StateDict();
        dict.Tensors["state.7.momentum_buffer"] = Tensor.Zeros(2);
        var act = () => NewOptimizer("sgd", NewParameters(5)).LoadStateDict(dict);
        act.Should().Throw<ArgumentException>().WithMessage("*parameter 7*3 parameters*");
        dict.Tensors.Remove("state.7.momentum_buffer");
        dict.Tensors["junk"] = Tensor.Zeros(2);
        act.Should().Throw<ArgumentException>().WithMessage("*'junk'*");
    }

    [Fact]
    public void Step_SkipsParametersWithoutGradient_AndBuildsTheirStateLater()
    {
        var p = NewParameters(6);
        var opt = NewOptimizer("adam", p);
        var untouched = p[1].ToArray();
        SetGrads(p, 1);
        opt.Step();
        p[1].ToArray().Should().Equal(untouched);
        opt.GetState(p[1]).Should().BeNull();
        opt.GetState(p[0])!.Step.Should().Be(1);
        SetGrads(p, 2);
        opt.Step();
        opt.GetState(p[1])!.Step.Should().Be(1);
        opt.GetState(p[0])!.Step.Should().Be(2);
    }

    [Fact]
    public void Groups_TakeDefaultsUnlessOverridden_AndLearningRateChangesApplyToTheNextStep()
    {
        var p = NewParameters(7);
        var opt = new Sgd([new ParamGroup([p[0]]), new ParamGroup([p[1], p[2]], learningRate: 0.5)], new SgdOptions { LearningRate = 0.1, WeightDecay = 0.01 });
        opt.ParamGroups[0].LearningRate.Should().Be(0.1);
        opt.ParamGroups[1].LearningRate.Should().Be(0.5);
        opt.ParamGroups[1].WeightDecay.Should().Be(0.01);

        opt.ParamGroups[0].LearningRate = 0;
        var before = p[0].ToArray();
        SetGrads(p, 0);
        opt.Step();
        p[0].ToArray().Should().Equal(before);
    }

    [Fact]
    public void ZeroGrad_SetsToNull_OrFillsWithZeros()
    {
        var p = NewParameters(8);
        var opt = NewOptimizer("sgd", p);
        SetGrads(p, 0);
        var grad = p[0].Grad!;
        opt.ZeroGrad(setToNone: false);
        p[0].Grad.Should().BeSameAs(grad);
        grad.ToArray().Should().OnlyContain(v => v == 0f);
        opt.ZeroGrad();
        p.Should().OnlyContain(t => t.Grad == null);
    }

    [Fact]
    public void Constructor_RejectsDuplicateAndMissingParameters()
    {
        var p = NewParameters(9);
        var act = () => new Sgd([new ParamGroup([p[0], p[1]]), new ParamGroup([p[1]])], new SgdOptions());
        act.Should().Throw<ArgumentException>().WithMessage("*[5]*more than one parameter group*");
        act = () => new Sgd(Array.Empty<Tensor>(), lr: 0.1);
        act.Should().Throw<ArgumentException>().WithMessage("*empty parameter list*");
    }

    [Fact]
    public void Step_WithGradientOfWrongShape_Throws()
    {
        var p = NewParameters(10);
        var opt = new Adam(p);
        p[0].Grad = Tensor.Zeros(4, 3);
        var act = () => opt.Step();
        act.Should().Throw<InvalidOperationException>().WithMessage("*[3, 4]*[4, 3]*");
    }

    [Fact]
    public void Step_AfterTheFirst_DoesNotAllocate()
    {
        var p = NewParameters(11);
        var opt = NewOptimizer("adam_amsgrad", p);
        SetGrads(p, 0);
        for (int i = 0; i < 3; i++) opt.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) opt.Step();
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void Maximize_StepsAlongTheGradient()
    {
        var x = Tensor.FromArray([1f]).RequireGrad();
        var opt = new Sgd([x], lr: 0.5, maximize: true);
        x.Grad = Tensor.FromArray([2f]);
        opt.Step();
        x.Item().Should().Be(2f);
    }

    [Fact]
    public void Adam_OnAQuadratic_ConvergesThroughAutograd()
    {
        var x = Tensor.FromArray([3f, -2f]).RequireGrad();
        var opt = new Adam([x], lr: 0.1);
        for (int i = 0; i < 300; i++)
        {
            opt.ZeroGrad();
            (x * x).Sum().Backward();
            opt.Step();
        }
        x.ToArray().Should().OnlyContain(v => Math.Abs(v) < 0.05f);
    }
}
