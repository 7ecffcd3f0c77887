using FluentAssertions;

namespace MultiTask.Distributed.Tests;

/// <summary>Data-parallel training on a real two-rank MPI job (MPICH on loopback).</summary>
public sealed class MpiProcessGroupTests
{
    [MpiTheory]
    [InlineData("equal", 2)]
    [InlineData("uncertainty", 2)]
    [InlineData("pcgrad", 2)]
    [InlineData("mgda", 2)]
    // Three ranks: shards of unequal size, and a rank count MPI does not reduce by plain pairwise exchange.
    [InlineData("uncertainty", 3)]
    public void RanksTrainTheModelOneProcessTrains(string weighting, int ranks)
    {
        var (code, output, _) = MpiJob.Run(ranks, TimeSpan.FromMinutes(5), "verify", "--weighting", weighting);
        code.Should().Be(0, output);
        output.Split('\n').Count(l => l.EndsWith(": OK", StringComparison.Ordinal)).Should().Be(ranks, output);
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

    [MpiTheory]
    [InlineData(0)]
    [InlineData(1)]
    public void AnExceptionOnOneRankEndsTheJob(int rank)
    {
        var (code, output, _) = MpiJob.Run(2, TimeSpan.FromMinutes(2), "fail", "--fail-rank", rank.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--fail-step", "5", "--how", "throw");
        code.Should().NotBe(0, output);
        output.Should().Contain($"Rank {rank} of 2 failed, ending the job").And.Contain("failure test: an exception after step 5");
        output.Should().NotContain("training finished");
    }
}
