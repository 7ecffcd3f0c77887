using FluentAssertions;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Tests.Differentiation;

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
            otherEnabled = Autograd.IsGradEnabled;
        });
        other.Start();
        using (Autograd.NoGrad())
        {
            scopeOpen.Set();
            other.Join();
            Autograd.IsGradEnabled.Should().BeFalse();
        }
        otherEnabled.Should().BeTrue();
    }

    [Fact]
    public void NoGrad_AgainAndAgain_DoesNotAllocate()
    {
        for (int i = 0; i < 3; i++) Autograd.NoGrad().Dispose();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            using (Autograd.NoGrad())
            {
                using (Autograd.EnableGrad()) { }
            }
        }
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        Autograd.IsGradEnabled.Should().BeTrue();
    }

    [Fact]
    public async Task NoGrad_FollowsAnAwait_ToTheThreadThatContinues_AndLeavesTheFirstThread()
    {
        var resume = new TaskCompletionSource();
        async Task<bool> DisableAndAwait()
        {
            using (Autograd.NoGrad())
            {
                // Continues synchronously on the thread that completes the source.
                await resume.Task.ConfigureAwait(false);
                return Autograd.IsGradEnabled;
            }
        }

        var pending = DisableAndAwait();
        Autograd.IsGradEnabled.Should().BeTrue("the mode went with the suspended method, not stayed on this thread");
        bool completerEnabledAfter = false;
        var completer = new Thread(() =>
        {
            resume.SetResult();
            completerEnabledAfter = Autograd.IsGradEnabled;
        });
        completer.Start();
        completer.Join();

        (await pending).Should().BeFalse("the mode follows the continuation to the other thread");
        completerEnabledAfter.Should().BeTrue("the scope is closed on the thread it ended on");
    }
}
