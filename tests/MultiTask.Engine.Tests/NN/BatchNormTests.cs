using System.Text.Json.Nodes;
using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Tests.Reference;

namespace MultiTask.Engine.Tests.NN;

public class BatchNormTests
{
    private const string File = "nn_batchnorm.json";

    public static IEnumerable<object[]> Cases => Golden.CaseNames(File);

    private static BatchNorm1d Make(JsonNode c)
    {
        var k = c["kwargs"]!.AsObject();
        float? momentum = k.ContainsKey("momentum") ? (k["momentum"] is { } m ? (float)(double)m : null) : 0.1f;
        return new BatchNorm1d((int)c["num_features"]!,
            eps: k["eps"] is { } e ? (float)(double)e : 1e-5f,
            momentum: momentum,
            affine: k["affine"] is not { } a || (bool)a,
            trackRunningStats: k["track_running_stats"] is not { } t || (bool)t);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainingStepsThenEval_MatchPyTorch(string name)
    {
        var c = Golden.Case(File, name);
        var bn = Make(c);
        bn.LoadStateDict(ModuleGoldenTests.State(c["initial"]!)).IsExactMatch.Should().BeTrue();
        int step = 0;
        foreach (var s in c["steps"]!.AsArray())
        {
            var x = Golden.ToTensor(s!["input"]!, requiresGrad: true);
            var y = bn.Forward(x);
            Golden.AssertClose(y, s["output"]!, $"{name} step {step} output");
            y.Backward(Golden.ToTensor(s["grad_output"]!));
            Golden.AssertClose(x.Grad!, s["grad_input"]!, $"{name} step {step} grad input", atol: 1e-5);
            foreach (var (pname, p) in bn.NamedParameters())
                Golden.AssertClose(p.Grad!, s["grads"]![pname]!, $"{name} step {step} grad {pname}", atol: 1e-5);
            foreach (var (key, value) in bn.StateDict())
                Golden.AssertClose(value, s["state"]![key]!, $"{name} step {step} {key}");
            bn.ZeroGrad();
            step++;
        }
        bn.Eval();
        var e = c["eval"]!;
        var xe = Golden.ToTensor(e["input"]!, requiresGrad: true);
        var ye = bn.Forward(xe);
        Golden.AssertClose(ye, e["output"]!, $"{name} eval output");
        ye.Backward(Golden.ToTensor(e["grad_output"]!));
        Golden.AssertClose(xe.Grad!, e["grad_input"]!, $"{name} eval grad input", atol: 1e-5);
    }

    [Fact]
    public void StateDictKeys_MatchPyTorch()
    {
        new BatchNorm1d(3).StateDict().Keys.Should().Equal("weight", "bias", "running_mean", "running_var", "num_batches_tracked");
        new BatchNorm1d(3).Parameters().Should().HaveCount(2);
        new BatchNorm1d(3, affine: false, trackRunningStats: false).StateDict().Should().BeEmpty();
    }

    [Fact]
    public void Training_WithOneValuePerChannel_Throws()
    {
        var act = () => new BatchNorm1d(3).Forward(Tensor.Zeros(1, 3));
        act.Should().Throw<ArgumentException>().WithMessage("*more than one value per channel*[1, 3]*");
    }

    [Fact]
    public void WrongChannelCount_Throws()
    {
        var act = () => new BatchNorm1d(3).Forward(Tensor.Zeros(4, 2));
        act.Should().Throw<ArgumentException>().WithMessage("*[N, 3]*[4, 2]*");
    }
}
