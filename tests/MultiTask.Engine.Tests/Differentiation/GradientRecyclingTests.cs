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

    private static (Sequential Backbone, Linear[] Heads, Adam Adam) BuildShared()
    {
        var g = new Generator(41);
        var backbone = new Sequential(new Linear(6, 48, generator: g), new Relu(), new Linear(48, 48, generator: g), new Relu());
        var heads = new[] { new Linear(48, 1, generator: g), new Linear(48, 1, generator: g) };
        return (backbone, heads, new Adam([.. backbone.Parameters(), .. heads.SelectMany(h => h.Parameters())], lr: 1e-2));
    }

    private static Tensor SharedLoss(Sequential backbone, Linear[] heads, int step, bool release)
    {
        var x = Tensor.Randn(new Generator((ulong)(300 + step)), 64, 6);
        var h = backbone.Forward(x);
        var total = heads.Select((head, t) => new MseLoss().Forward(head.Forward(h), Tensor.Randn(new Generator((ulong)(400 + 10 * step + t)), 64, 1)))
            .Aggregate((a, b) => a + b);
        if (release) h.ReleaseAfterBackward();
        return total;
    }

    [Fact]
    public void ReleasingTheSharedActivation_TrainsBitIdenticallyToKeepingIt()
    {
        var (releasedBackbone, releasedHeads, releasedAdam) = BuildShared();
        var (keptBackbone, keptHeads, keptAdam) = BuildShared();
        for (int step = 0; step < 6; step++)
        {
            releasedAdam.ZeroGrad();
            SharedLoss(releasedBackbone, releasedHeads, step, release: true).Backward();
            releasedAdam.Step();
            keptAdam.ZeroGrad();
            SharedLoss(keptBackbone, keptHeads, step, release: false).Backward();
            keptAdam.Step();
        }
        releasedBackbone.Parameters().Concat(releasedHeads.SelectMany(h => h.Parameters())).Select(p => p.ToArray())
            .Should().BeEquivalentTo(keptBackbone.Parameters().Concat(keptHeads.SelectMany(h => h.Parameters())).Select(p => p.ToArray()), o => o.WithStrictOrdering());
    }

    [Fact]
    public void AReleasedActivation_StaysValidThroughABackwardThatRetainsTheGraph()
    {
        var (backbone, heads, _) = BuildShared();
        var parameters = backbone.Parameters().ToArray();
        var released = SharedLoss(backbone, heads, 0, release: true);
        var first = Autograd.Grad([released], parameters, retainGraph: true);
        // Other arrays of the same length pass through the buffers between the two passes.
        var (other, otherHeads, _) = BuildShared();
        SharedLoss(other, otherHeads, 1, release: true).Backward();
        var second = Autograd.Grad([released], parameters);

        second.Select(g => g!.ToArray()).Should().BeEquivalentTo(first.Select(g => g!.ToArray()), o => o.WithStrictOrdering());
    }

    private static bool IsInThePool(float[] array)
    {
        var lent = Enumerable.Range(0, ScratchBuffers.MaxPerLength).Select(_ => ScratchBuffers.Rent(array.Length)).ToList();
        return lent.Any(a => ReferenceEquals(a, array));
    }

    [Fact]
    public void AReleasedActivation_ReturnsToTheBuffersAfterItsLastReaderIsFreed_NotBefore()
    {
        var (backbone, heads, _) = BuildShared();
        var x = Tensor.Randn(new Generator(50), 64, 6);
        var y = Tensor.Randn(new Generator(51), 64, 1);

        // Three recorded readers: the backbone's last layer (its saved output) and the two heads.
        var h = backbone.Forward(x);
        var first = new MseLoss().Forward(heads[0].Forward(h), y);
        var second = new MseLoss().Forward(heads[1].Forward(h), y);
        h.ReleaseAfterBackward();
        second.Backward(retainGraph: true);
        ScratchBuffers.Clear();
        first.Backward();
        IsInThePool(h.Data).Should().BeFalse("the second head's operation still reads h (its graph was retained)");

        var h2 = backbone.Forward(x);
        var total = new MseLoss().Forward(heads[0].Forward(h2), y) + new MseLoss().Forward(heads[1].Forward(h2), y);
        h2.ReleaseAfterBackward();
        ScratchBuffers.Clear();
        total.Backward();
        IsInThePool(h2.Data).Should().BeTrue("every operation that read h2 was freed");
    }
}
