using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Architectures;

public class CrossStitchUnitTests
{
    [Fact]
    public void InitialisesRowsToSelfWeightAndTheRestEvenly()
    {
        var unit = new CrossStitchUnit(taskCount: 3, width: 2, selfWeight: 0.8);

        unit.Alpha.Shape.Should().Equal(3, 3);
        unit.Alpha[0, 0].Should().Be(0.8f);
        unit.Alpha[0, 1].Should().BeApproximately(0.1f, 1e-7f);
        unit.Alpha[2, 1].Should().BeApproximately(0.1f, 1e-7f);
        new CrossStitchUnit(1, 2).Alpha.ToArray().Should().Equal(1f);

        var perChannel = new CrossStitchUnit(2, 3, perChannel: true, selfWeight: 0.9);
        perChannel.Alpha.Shape.Should().Equal(2, 2, 3);
        perChannel.Alpha.ToArray().Should().Equal(0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.9f, 0.9f, 0.9f);
    }

    [Fact]
    public void MixesWithAKnownAlphaAndDifferentiatesIt()
    {
        var unit = new CrossStitchUnit(2, 2);
        Tensor.FromArray([0.6f, 0.4f, 0.25f, 0.75f], 2, 2).AsSpan().CopyTo(unit.Alpha.AsSpan());
        var x0 = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var x1 = Tensor.FromArray([10f, 20f, 30f, 40f], 2, 2);

        var y = unit.Forward([x0, x1]);

        // y0 = 0.6·x0 + 0.4·x1, y1 = 0.25·x0 + 0.75·x1.
        y[0].ToArray().Should().BeEquivalentTo(new[] { 4.6f, 9.2f, 13.8f, 18.4f }, o => o.WithStrictOrdering().Using<float>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-5f)).WhenTypeIs<float>());
        y[1].ToArray().Should().BeEquivalentTo(new[] { 7.75f, 15.5f, 23.25f, 31f }, o => o.WithStrictOrdering().Using<float>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-5f)).WhenTypeIs<float>());

        // L = Σ y0 + 2·Σ y1 ⇒ dL/dα_0j = Σ x_j, dL/dα_1j = 2·Σ x_j.
        (y[0].Sum() + y[1].Sum() * 2f).Backward();
        unit.Alpha.Grad!.ToArray().Should().Equal(10f, 100f, 20f, 200f);
    }

    [Fact]
    public void PerChannelMixesEachChannelWithItsOwnAlpha()
    {
        var unit = new CrossStitchUnit(2, 2, perChannel: true);
        // α[i, j, c]: channel 0 swaps the tasks, channel 1 keeps them.
        Tensor.FromArray([0f, 1f, 1f, 0f, 1f, 0f, 0f, 1f], 2, 2, 2).AsSpan().CopyTo(unit.Alpha.AsSpan());
        var x0 = Tensor.FromArray([1f, 2f], 1, 2);
        var x1 = Tensor.FromArray([3f, 4f], 1, 2);

        var y = unit.Forward([x0, x1]);

        y[0].ToArray().Should().Equal(3f, 2f);
        y[1].ToArray().Should().Equal(1f, 4f);
    }

    [Fact]
    public void BadActivationsAreRejected()
    {
        var unit = new CrossStitchUnit(2, 3);

        unit.Invoking(u => u.Forward([Tensor.Zeros(2, 3)])).Should().Throw<ArgumentException>().WithMessage("*2 columns, got 1*");
        unit.Invoking(u => u.Forward([Tensor.Zeros(2, 3), Tensor.Zeros(2, 4)])).Should().Throw<ArgumentException>().WithMessage("*activation 1 has shape [2, 4]*");
    }
    [Theory]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public void OutputsAndGradientsEqualThePerPairSum(int taskCount, bool perChannel)
    {
        const int width = 4;
        int[] shape = [2, 3, width];
        var unit = new CrossStitchUnit(taskCount, width, perChannel);
        // A trained-looking α (not the initial rows) and activations of rank 3, so rows and channels are not confused.
        Tensor.Randn(new Generator(5), unit.Alpha.Shape.ToArray()).AsSpan().CopyTo(unit.Alpha.AsSpan());
        var xs = Enumerable.Range(0, taskCount).Select(i => Tensor.Randn(new Generator((ulong)(10 + i)), shape).RequireGrad()).ToArray();
        // A different upstream gradient per output, so a mix-up of outputs changes every gradient.
        var upstream = Enumerable.Range(0, taskCount).Select(i => Tensor.Randn(new Generator((ulong)(20 + i)), shape)).ToArray();

        var ys = unit.Forward(xs);
        Weighted(ys, upstream).Backward();

        // The reference: y_i = Σ_j α_ij·x_j, one scaled activation per pair, from copies of α and the x_j.
        var alpha = unit.Alpha.Detach().Clone().RequireGrad();
        var xsRef = xs.Select(x => x.Detach().Clone().RequireGrad()).ToArray();
        var ysRef = new Tensor[taskCount];
        for (int i = 0; i < taskCount; i++)
        {
            for (int j = 0; j < taskCount; j++)
            {
                var a = alpha.Narrow(0, i, 1).Narrow(1, j, 1).Reshape(perChannel ? width : 1);
                ysRef[i] = j == 0 ? a * xsRef[j] : ysRef[i] + a * xsRef[j];
            }
        }
        Weighted(ysRef, upstream).Backward();

        for (int i = 0; i < taskCount; i++)
        {
            ys[i].Shape.Should().Equal(shape);
            Within(ys[i], ysRef[i]);
            Within(xs[i].Grad!, xsRef[i].Grad!);
        }
        Within(unit.Alpha.Grad!, alpha.Grad!);
    }

    private static Tensor Weighted(Tensor[] ys, Tensor[] upstream)
    {
        var total = (ys[0] * upstream[0]).Sum();
        for (int i = 1; i < ys.Length; i++) total = total + (ys[i] * upstream[i]).Sum();
        return total;
    }

    private static void Within(Tensor actual, Tensor expected)
    {
        actual.Shape.Should().Equal(expected.Shape);
        var a = actual.ToArray();
        var e = expected.ToArray();
        for (int k = 0; k < e.Length; k++) a[k].Should().BeApproximately(e[k], 1e-6f * Math.Max(1f, Math.Abs(e[k])), $"entry {k}");
    }
}
