using FluentAssertions;

namespace MultiTask.Distributed.Tests;

/// <summary>Data-parallel training on a real two-rank MPI job (MPICH on loopback).</summary>
public sealed class MpiProcessGroupTests
{
    [MpiTheory]
    [InlineData("equal")]
    [InlineData("uncertainty")]
    [InlineData("pcgrad")]
    [InlineData("mgda")]
    public void TwoRanksTrainTheModelOneProcessTrains(string weighting)
    {
        var (code, output, _) = MpiJob.Run(2, TimeSpan.FromMinutes(5), "verify", "--weighting", weighting);
        code.Should().Be(0, output);
        output.Split('\n').Count(l => l.EndsWith(": OK", StringComparison.Ordinal)).Should().Be(2, output);
        output.Should().Contain("parameters differing from rank 0: 0");
    }

    [MpiTheory]
    [InlineData("exit")]
    [InlineData("kill")]
    public void ARankThatDiesEndsTheJob(string how)
    {
        // The surviving rank would train for many minutes; the job must end soon after the death instead of hanging.
        var (code, output, _) = MpiJob.Run(2, TimeSpan.FromMinutes(2), "fail", "--fail-rank", "1", "--fail-step", "5", "--how", how);
        code.Should().NotBe(0, output);
        output.Should().Contain("rank exiting abruptly after step 5");
        output.Should().NotContain("training finished");
        if (how == "kill") output.Should().Contain("BAD TERMINATION", "mpiexec names the failure");
    }
}
