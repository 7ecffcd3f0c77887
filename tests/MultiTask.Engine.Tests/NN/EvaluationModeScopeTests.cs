using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Tests.NN;

public class EvaluationModeScopeTests
{
    private static Dictionary<string, float[]> Snapshot(Module module) =>
        module.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());

    private static void ShouldEqual(Dictionary<string, float[]> actual, Dictionary<string, float[]> expected)
    {
        actual.Keys.Should().Equal(expected.Keys);
        foreach (var (name, values) in expected) actual[name].Should().Equal(values, $"'{name}' must not change");
    }

    /// <summary>A batch norm that has seen a few training batches, so its running statistics differ from the batch's.</summary>
    private static BatchNorm1d TrainedBatchNorm()
    {
        var bn = new BatchNorm1d(3);
        var g = new Generator(5);
        for (int i = 0; i < 3; i++) bn.Forward(Tensor.Randn(g, 6, 3) * 2f + 1f);
        return bn;
    }

    [Fact]
    public void Dropout_IsTheIdentity_InsideTheScope_AndTheModeIsUnchanged()
    {
        var drop = new Dropout(0.5f, new Generator(3));
        var x = Tensor.Ones(20, 20);

        using (Module.EvaluationScope())
        {
            Module.IsInEvaluationScope.Should().BeTrue();
            drop.IsTraining.Should().BeTrue("the scope does not touch the module's own flag");
            drop.BehavesAsTraining.Should().BeFalse();
            drop.Forward(x).ToArray().Should().Equal(x.ToArray());
        }

        Module.IsInEvaluationScope.Should().BeFalse();
        drop.BehavesAsTraining.Should().BeTrue();
        drop.Forward(x).ToArray().Should().Contain(0f, "dropout applies again once the scope is closed");
    }

    [Fact]
    public void BatchNorm_UsesItsRunningStatistics_WithoutUpdatingThem()
    {
        var bn = TrainedBatchNorm();
        var before = Snapshot(bn);
        var x = Tensor.Randn(new Generator(6), 5, 3);

        Tensor inScope, oneRow;
        using (Module.EvaluationScope())
        {
            inScope = bn.Forward(x);
            // One row has no batch variance: in training this throws, with running statistics it is fine.
            oneRow = bn.Forward(x.Narrow(0, 0, 1));
        }

        ShouldEqual(Snapshot(bn), before);
        bn.IsTraining.Should().BeTrue();
        bn.Eval();
        inScope.ToArray().Should().Equal(bn.Forward(x).ToArray(), "the scope behaves exactly as Eval()");
        oneRow.ToArray().Should().Equal(bn.Forward(x.Narrow(0, 0, 1)).ToArray());
        bn.Train();
        bn.Forward(x).ToArray().Should().NotEqual(inScope.ToArray(), "training normalises with the batch statistics");
        Snapshot(bn)["num_batches_tracked"].Should().Equal(before["num_batches_tracked"][0] + 1);
    }

    [Fact]
    public void TurnsGradientRecordingOff_AndRestoresIt()
    {
        var linear = new Linear(3, 2, generator: new Generator(1));
        var x = Tensor.Ones(1, 3);
        using (Module.EvaluationScope())
        {
            Autograd.IsGradEnabled.Should().BeFalse();
            linear.Forward(x).RequiresGrad.Should().BeFalse();
            using (Autograd.EnableGrad())
            {
                linear.Forward(x).RequiresGrad.Should().BeTrue("EnableGrad inside the scope re-enables recording only");
                Module.IsInEvaluationScope.Should().BeTrue();
            }
            Autograd.IsGradEnabled.Should().BeFalse();
        }
        Autograd.IsGradEnabled.Should().BeTrue();
        linear.Forward(x).RequiresGrad.Should().BeTrue();

        using (Autograd.NoGrad())
        {
            using (Module.EvaluationScope()) { }
            Autograd.IsGradEnabled.Should().BeFalse("closing the scope restores the mode it found, not the default");
        }
    }

    [Fact]
    public void Nesting_RestoresTheOuterScope()
    {
        var drop = new Dropout(0.5f, new Generator(3));
        var x = Tensor.Ones(20, 20);
        using (Module.EvaluationScope())
        {
            using (Module.EvaluationScope()) drop.Forward(x).ToArray().Should().Equal(x.ToArray());
            Module.IsInEvaluationScope.Should().BeTrue("the inner scope restores the outer one, not training");
            Autograd.IsGradEnabled.Should().BeFalse();
            drop.Forward(x).ToArray().Should().Equal(x.ToArray());
        }
        Module.IsInEvaluationScope.Should().BeFalse();
        Autograd.IsGradEnabled.Should().BeTrue();
    }

    [Fact]
    public void AnException_LeavingTheScope_RestoresTrainingBehaviour()
    {
        var drop = new Dropout(0.5f, new Generator(3));
        var x = Tensor.Ones(20, 20);
        var act = () =>
        {
            using (Module.EvaluationScope())
            {
                using (Module.EvaluationScope()) throw new InvalidOperationException("inside");
            }
        };

        act.Should().Throw<InvalidOperationException>();
        Module.IsInEvaluationScope.Should().BeFalse();
        Autograd.IsGradEnabled.Should().BeTrue();
        drop.Forward(x).ToArray().Should().Contain(0f);
    }

    [Fact]
    public void OpeningAndClosing_AgainAndAgain_DoesNotAllocate()
    {
        // Inference opens a scope per call; like the optimizer step, that must not cost an allocation.
        for (int i = 0; i < 3; i++) Module.EvaluationScope().Dispose();
        int inside = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            using (Module.EvaluationScope()) inside += Module.IsInEvaluationScope && !Autograd.IsGradEnabled ? 1 : 0;
        }
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        inside.Should().Be(10);
        Module.IsInEvaluationScope.Should().BeFalse();
        Autograd.IsGradEnabled.Should().BeTrue();
    }

    [Fact]
    public void HoldsOnTheCurrentThreadOnly_AnotherThreadKeepsTraining()
    {
        // One model shared by two threads: the scope on this thread must not turn dropout off, or stop the
        // running statistics from updating, on the other thread that runs while the scope is open.
        var drop = new Dropout(0.5f, new Generator(3));
        var bn = TrainedBatchNorm();
        var x = Tensor.Ones(20, 20);
        var batch = Tensor.Randn(new Generator(7), 6, 3);
        var before = Snapshot(bn);
        using var scopeOpen = new ManualResetEventSlim();
        float[]? dropped = null;
        bool otherInScope = true, otherGradEnabled = false;
        // Started before the scope opens, so that it does not inherit the scope through its execution context.
        var other = new Thread(() =>
        {
            scopeOpen.Wait();
            otherInScope = Module.IsInEvaluationScope;
            otherGradEnabled = Autograd.IsGradEnabled;
            dropped = drop.Forward(x).ToArray();
            bn.Forward(batch);
        });
        other.Start();

        using (Module.EvaluationScope())
        {
            scopeOpen.Set();
            other.Join();
            drop.Forward(x).ToArray().Should().Equal(x.ToArray(), "this thread is still inside its scope");
        }

        otherInScope.Should().BeFalse();
        otherGradEnabled.Should().BeTrue();
        dropped.Should().Contain(0f, "the other thread is in training behaviour");
        Snapshot(bn)["num_batches_tracked"].Should().Equal([before["num_batches_tracked"][0] + 1], "the other thread's training batch updates the statistics");
        Snapshot(bn)["running_mean"].Should().NotEqual(before["running_mean"]);
    }

    [Fact]
    public async Task FollowsAnAwait_ToTheThreadThatContinues_AndLeavesTheFirstThread()
    {
        var resume = new TaskCompletionSource();
        async Task<(bool InScope, bool GradEnabled, int Thread)> OpenScopeAndAwait()
        {
            using (Module.EvaluationScope())
            {
                // Continues synchronously on the thread that completes the source.
                await resume.Task.ConfigureAwait(false);
                return (Module.IsInEvaluationScope, Autograd.IsGradEnabled, Environment.CurrentManagedThreadId);
            }
        }

        var pending = OpenScopeAndAwait();
        Module.IsInEvaluationScope.Should().BeFalse("the scope went with the suspended method, not stayed on this thread");
        Autograd.IsGradEnabled.Should().BeTrue();

        bool completerInScopeAfter = true, completerGradAfter = false;
        var completer = new Thread(() =>
        {
            resume.SetResult();
            completerInScopeAfter = Module.IsInEvaluationScope;
            completerGradAfter = Autograd.IsGradEnabled;
        });
        completer.Start();
        completer.Join();
        var (inScope, gradEnabled, thread) = await pending;

        thread.Should().Be(completer.ManagedThreadId);
        inScope.Should().BeTrue("the scope follows the continuation to the other thread");
        gradEnabled.Should().BeFalse();
        completerInScopeAfter.Should().BeFalse("the scope is closed on the thread it ended on");
        completerGradAfter.Should().BeTrue();
    }
}
