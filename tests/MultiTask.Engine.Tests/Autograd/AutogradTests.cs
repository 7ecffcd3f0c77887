using FluentAssertions;
using AG = MultiTask.Engine.Autograd.Autograd;

namespace MultiTask.Engine.Tests.Autograd;

public class AutogradTests
{
    [Fact]
    public void NoGrad_HoldsOnTheCurrentThreadOnly()
    {
        using var scopeOpen = new ManualResetEventSlim();
        bool otherEnabled = false;
        // Started before the scope opens, so that it does not inherit the scope through its execution context.
        var other = new Thread(() =>
        {
            scopeOpen.Wait();
            otherEnabled = AG.IsGradEnabled;
        });
        other.Start();
        using (AG.NoGrad())
        {
            scopeOpen.Set();
            other.Join();
            AG.IsGradEnabled.Should().BeFalse();
        }
        otherEnabled.Should().BeTrue();
    }

    [Fact]
    public void NoGrad_AgainAndAgain_DoesNotAllocate()
    {
        for (int i = 0; i < 3; i++) AG.NoGrad().Dispose();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            using (AG.NoGrad())
            {
                using (AG.EnableGrad()) { }
            }
        }
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        AG.IsGradEnabled.Should().BeTrue();
    }

    [Fact]
    public async Task NoGrad_FollowsAnAwait_ToTheThreadThatContinues_AndLeavesTheFirstThread()
    {
        var resume = new TaskCompletionSource();
        async Task<bool> DisableAndAwait()
        {
            using (AG.NoGrad())
            {
                // Continues synchronously on the thread that completes the source.
                await resume.Task.ConfigureAwait(false);
                return AG.IsGradEnabled;
            }
        }

        var pending = DisableAndAwait();
        AG.IsGradEnabled.Should().BeTrue("the mode went with the suspended method, not stayed on this thread");
        bool completerEnabledAfter = false;
        var completer = new Thread(() =>
        {
            resume.SetResult();
            completerEnabledAfter = AG.IsGradEnabled;
        });
        completer.Start();
        completer.Join();

        (await pending).Should().BeFalse("the mode follows the continuation to the other thread");
        completerEnabledAfter.Should().BeTrue("the scope is closed on the thread it ended on");
    }
}
