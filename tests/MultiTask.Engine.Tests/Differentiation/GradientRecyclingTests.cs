using FluentAssertions;
using MultiTask.Engine.Differentiation;
using MultiTask.Engine.Losses;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Differentiation;

/// <summary>
/// The backward pass reuses the storage of gradients it made and consumed, and the optimizers that of parameter
/// gradients they drop; nothing a caller can still reach may be overwritten by that reuse.
/// </summary>
public class GradientRecyclingTests
{
    private static (Sequential Net, Adam Adam) Build()
    {
        var g = new Generator(21);
        var net = new Sequential(new Linear(6, 32, generator: g), new Relu(), new Linear(32, 32, generator: g), new Relu(), new Linear(32, 2, generator: g));
        return (net, new Adam(net.Parameters(), lr: 1e-2));
    }

    private static Tensor Loss(Sequential net, int step)
    {
        var x = Tensor.Randn(new Generator((ulong)(100 + step)), 40, 6);
        var y = Tensor.Randn(new Generator((ulong)(200 + step)), 40, 2);
        return new MseLoss().Forward(net.Forward(x), y, Tensor.FromArray(Enumerable.Range(0, 40).Select(r => r % 4 == 0 ? 0f : 1f).ToArray(), 40, 1));
    }

    [Fact]
    public void TrainingThatRecyclesGradients_IsBitIdenticalToTrainingThatKeepsThem()
    {
        var (recycled, adamRecycled) = Build();
        var (kept, adamKept) = Build();
        for (int step = 0; step < 6; step++)
        {
            adamRecycled.ZeroGrad();
            Loss(recycled, step).Backward();
            adamRecycled.Step();

            adamKept.ZeroGrad();
            Loss(kept, step).Backward();
            // Reading Grad hands the gradients to this code, so their storage is never reused.
            var held = kept.Parameters().Select(p => p.Grad!).ToList();
            adamKept.Step();
            held.Should().OnlyContain(h => h != null);
        }
        recycled.Parameters().Select(p => p.ToArray()).Should().BeEquivalentTo(kept.Parameters().Select(p => p.ToArray()), o => o.WithStrictOrdering());
    }

    [Fact]
    public void AGradientReadThroughGrad_SurvivesZeroGradAndLaterBackwardPasses()
    {
        var (net, adam) = Build();
        Loss(net, 0).Backward();
        var held = net.Parameters().Select(p => p.Grad!).ToList();
        var values = held.Select(h => h.ToArray()).ToList();
        for (int step = 1; step < 4; step++)
        {
            adam.ZeroGrad();
            Loss(net, step).Backward();
            adam.Step();
        }
        held.Select(h => h.ToArray()).Should().BeEquivalentTo(values, o => o.WithStrictOrdering());
    }

    [Fact]
    public void GradientsReturnedByAutogradGrad_SurviveLaterBackwardPasses()
    {
        var (net, adam) = Build();
        var parameters = net.Parameters().ToArray();
        var grads = Autograd.Grad([Loss(net, 0)], parameters);
        var values = grads.Select(g => g!.ToArray()).ToList();
        for (int step = 1; step < 4; step++)
        {
            adam.ZeroGrad();
            Loss(net, step).Backward();
            adam.Step();
        }
        grads.Select(g => g!.ToArray()).Should().BeEquivalentTo(values, o => o.WithStrictOrdering());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AGradientARuleHandsOnAsAView_IsNotReusedWhileTheViewIsNeeded(bool directUseFirst)
    {
        // u's gradient is a sum made by Linear backward kernels; the reshape hands it on to h as a view, and h's other
        // consumer d makes a gradient of the same length afterwards: reusing u's storage there would corrupt h's sum.
        var g = new Generator(31);
        var a = new Linear(4, 8, generator: g);
        var b = new Linear(8, 8, generator: g);
        var c = new Linear(8, 8, generator: g);
        var d = new Linear(8, 8, generator: g);
        var x = Tensor.Randn(new Generator(32), 5, 4);

        Tensor Forward(Tensor input)
        {
            var h = a.Forward(input);
            var u = h.Reshape(5, 8);
            var viaView = b.Forward(u).Square().Sum() + c.Forward(u).Square().Sum();
            var direct = d.Forward(h).Square().Sum();
            return directUseFirst ? direct + viaView : viaView + direct;
        }

        var xi = x.Clone().Detach().RequireGrad();
        Forward(xi).Backward();
        var analytic = xi.Grad!.ToArray();

        // Central differences of the same quadratic function (exact up to rounding).
        var numeric = new float[x.Numel];
        var values = x.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            double Objective(float delta)
            {
                var shifted = (float[])values.Clone();
                shifted[i] += delta;
                using var _ = Autograd.NoGrad();
                return Forward(Tensor.FromArray(shifted, 5, 4)).Item();
            }
            numeric[i] = (float)((Objective(1e-2f) - Objective(-1e-2f)) / 2e-2);
        }
        analytic.Zip(numeric).Should().OnlyContain(p => Math.Abs(p.First - p.Second) <= 2e-2 * Math.Max(1, Math.Abs(p.Second)));
    }
}
