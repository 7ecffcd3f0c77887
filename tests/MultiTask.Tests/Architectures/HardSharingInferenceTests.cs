using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Testing;

namespace MultiTask.Tests.Architectures;

/// <summary>
/// Without a graph, the backbone's output lives in a reused buffer while the heads read it: the outputs must be the
/// ordinary path's bit for bit, survive later calls, and the path must stay off for heads that could keep their input.
/// </summary>
public class HardSharingInferenceTests
{
    private sealed class KeepsInput : Module<Tensor, Tensor>
    {
        public Tensor? Last { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            Last = input;
            return input.Narrow(1, 0, 1) * 2f;
        }
    }

    public static TheoryData<string> Models => ["plain", "residual-wide", "custom-head"];

    private static HardSharingModel Build(string kind) => kind switch
    {
        "plain" => MultiTaskModel.HardSharing(6, [("a", 1), ("b", 2)], backbone: [16, 8], head: [4], generator: new Generator(2)),
        "residual-wide" => HardSharingModel.Create(new ModelInput(6, [("a", 2), ("b", 2)]),
            new HardSharingOptions { Backbone = [16, 8], Head = [4], ResidualHeads = true, Wide = WidePath.SharedAndPerTask }, new Generator(2)),
        _ => MultiTaskModel.HardSharing(6, [("a", 1), ("b", 1)], backbone: [16, 8],
            customHeads: new Dictionary<string, Module<Tensor, Tensor>> { ["b"] = new KeepsInput() }, generator: new Generator(2)),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void InEvaluation_TheOutputsAreTheOrdinaryPathsBitForBit_AndLaterCallsLeaveThemAlone(string kind)
    {
        var model = Build(kind);
        var x = Tensor.Randn(new Generator(5), 40, 6);
        var y = Tensor.Randn(new Generator(6), 40, 6);
        model.Eval();
        var expected = model.Forward(x).ToDictionary(o => o.Key, o => o.Value.ToArray()); // gradients on: the ordinary path
        TaskOutputs first;
        using (Module.EvaluationScope())
        {
            first = model.Forward(x);
            model.Forward(y); // reuses the buffer the first call's backbone output lived in
        }
        foreach (var (task, values) in expected) first[task].ToArray().Should().Equal(values, task);
    }

    [Fact]
    public void AHeadThatKeepsItsInput_GetsAnOrdinaryTensor()
    {
        var model = Build("custom-head");
        var head = (KeepsInput)model.Head("b");
        var x = Tensor.Randn(new Generator(5), 40, 6);
        Tensor kept;
        float[] keptValues;
        using (Module.EvaluationScope())
        {
            model.Forward(x);
            kept = head.Last!;
            keptValues = kept.ToArray();
            model.Forward(Tensor.Randn(new Generator(7), 40, 6));
        }
        kept.ToArray().Should().Equal(keptValues, "the backbone output a user head kept must not be overwritten by the next call");
    }

    [Fact]
    public void RepeatedInference_AllocatesLessThanOneBackboneOutput()
    {
        var model = MultiTaskModel.HardSharing(8, [("a", 1), ("b", 1)], backbone: [64, 64], head: [32], generator: new Generator(7));
        var x = Tensor.Randn(new Generator(1), 1024, 8);
        double perCall;
        using (Module.EvaluationScope()) perCall = Allocations.PerCall(() => model.Forward(x));
        // The two outputs (1,024 floats each) and bookkeeping; the backbone's 1,024 × 64 output alone is 256 KB.
        perCall.Should().BeLessThan(64 * 1024);
    }
}
