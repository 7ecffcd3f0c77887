using FluentAssertions;
using MultiTask.Continual;
using MultiTask.Data;
using MultiTask.Tests.Transfer;

namespace MultiTask.Tests.Continual;

public class ReplayBufferTests
{
    [Fact]
    public void ReservoirSampling_KeepsEveryRowWithProbabilityCapacityOverRowsSeen()
    {
        // 100 rows offered in two calls of 60 and 40 (two stages); capacity 10: each row is kept with probability 0.1.
        var encoder = FeatureEncoder.Fit(TransferData.Dataset(["a"], ["a"], 100, seed: 1));
        var first = encoder.Transform(TransferData.Dataset(["a"], ["a"], 60, seed: 2));
        var second = encoder.Transform(TransferData.Dataset(["a"], ["a"], 40, seed: 3));
        const int Trials = 4000, Capacity = 10;
        var kept = new int[100];
        for (int trial = 0; trial < Trials; trial++)
        {
            var buffer = new ReplayBuffer(Capacity, seed: (ulong)trial);
            buffer.Add(first);
            buffer.Add(second);
            buffer.Count.Should().Be(Capacity);
            buffer.Seen.Should().Be(100);
            foreach (var row in buffer.Rows) kept[row.Index]++;
        }

        kept.Sum().Should().Be(Trials * Capacity);
        // The standard error of one row's frequency is √(0.1·0.9/4000) ≈ 0.0047; 0.025 is over five of them, while keeping the
        // first (or the last) rows, or favouring one stage, puts some rows at 0 or 1.
        kept.Select(k => (double)k / Trials).Should().OnlyContain(p => Math.Abs(p - 0.1) < 0.025);
        // Rows of the second call are as likely as those of the first.
        (kept.Take(60).Average() / Trials).Should().BeApproximately(0.1, 0.005);
        (kept.Skip(60).Average() / Trials).Should().BeApproximately(0.1, 0.005);
    }

    [Fact]
    public void SameSeed_SameRows_AnotherSeed_OtherRows()
    {
        var data = TransferData.Dataset(["a"], ["a"], 50, seed: 2);
        var encoded = FeatureEncoder.Fit(data).Transform(data);
        long[] Kept(ulong seed)
        {
            var buffer = new ReplayBuffer(8, seed);
            buffer.Add(encoded);
            return [.. buffer.Rows.Select(r => r.Index)];
        }

        Kept(5).Should().Equal(Kept(5));
        Kept(5).Should().NotEqual(Kept(6));
    }

    [Fact]
    public void Add_KeepsOnlyLabelledRowsAndTheGivenTasksLabels()
    {
        var data = TransferData.Dataset(["a", "b"], ["a", "b"], 6, seed: 2);
        var encoded = FeatureEncoder.Fit(data).Transform(data);
        var buffer = new ReplayBuffer(10, seed: 1);

        buffer.Add(encoded, ["b"]);

        buffer.Count.Should().Be(6);
        buffer.Rows.Should().OnlyContain(r => r.Tasks.SequenceEqual(new[] { "b" }));
        buffer.Rows[2].Inputs().Should().Equal(encoded.Features.ToArray().AsSpan(2 * encoded.Width, encoded.Width).ToArray());
        buffer.Rows[2].Target("b").Should().Equal(encoded.Targets("b").ToArray()[2]);
        var missing = () => buffer.Rows[0].Target("a");
        missing.Should().Throw<KeyNotFoundException>().WithMessage("*no label for task 'a'*");
    }

    [Fact]
    public void Mix_AppendsTheRowsWithTheirLabels_AndMasksTheOtherTasks()
    {
        var encoder = FeatureEncoder.Fit(TransferData.Dataset(["a"], ["a"], 30, seed: 1));
        var stage0 = encoder.Transform(TransferData.Dataset(["a"], ["a"], 5, seed: 2));
        var grown = encoder.WithTasks(TransferData.Dataset(["a", "c"], ["c"], 30, seed: 3));
        var stage1 = grown.Transform(TransferData.Dataset(["a", "c"], ["c"], 4, seed: 4));
        var buffer = new ReplayBuffer(3, seed: 1);
        buffer.Add(stage0);

        var mixed = buffer.Mix(stage1);

        mixed.RowCount.Should().Be(7);
        mixed.Encoder.Should().BeSameAs(grown);
        mixed.Mask("a").ToArray().Should().Equal(0, 0, 0, 0, 1, 1, 1);
        mixed.Mask("c").ToArray().Should().Equal(1, 1, 1, 1, 0, 0, 0);
        mixed.Targets("c").ToArray().Take(4).Should().Equal(stage1.Targets("c").ToArray());
        var rows = buffer.Rows;
        for (int i = 0; i < 3; i++)
        {
            mixed.Targets("a").ToArray()[4 + i].Should().Be(stage0.Targets("a").ToArray()[rows[i].SourceRow]);
            mixed.Features.ToArray().AsSpan((4 + i) * mixed.Width, mixed.Width).ToArray().Should().Equal(rows[i].Inputs());
        }
        new ReplayBuffer(3, seed: 1).Mix(stage1).Should().BeSameAs(stage1);
    }

    [Fact]
    public void Mix_DataThatCannotHoldTheRows_IsRefused()
    {
        var encoder = FeatureEncoder.Fit(TransferData.Dataset(["a"], ["a"], 30, seed: 1));
        var buffer = new ReplayBuffer(3, seed: 1);
        buffer.Add(encoder.Transform(TransferData.Dataset(["a"], ["a"], 5, seed: 2)));

        var refitted = FeatureEncoder.Fit(TransferData.Dataset(["a"], ["a"], 30, seed: 9));
        var act = () => buffer.Mix(refitted.Transform(TransferData.Dataset(["a"], ["a"], 4, seed: 4)));
        act.Should().Throw<ArgumentException>().WithMessage("*inputs are encoded differently*");

        var withoutA = encoder.WithTasks(TransferData.Dataset(["c"], ["c"], 30, seed: 3));
        act = () => buffer.Mix(withoutA.Transform(TransferData.Dataset(["c"], ["c"], 4, seed: 4)));
        act.Should().Throw<ArgumentException>().WithMessage("*labelled for task 'a', which the data's encoder does not have*");

        var refit = () => new ReplayBuffer(0, seed: 1);
        refit.Should().Throw<ArgumentOutOfRangeException>();
    }
}
