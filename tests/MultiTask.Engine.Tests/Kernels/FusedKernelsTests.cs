using FluentAssertions;
using MultiTask.Engine.Kernels;
using MultiTask.Engine.NN;
using MultiTask.Engine.Optim;
using MultiTask.Engine.Tensors;

namespace MultiTask.Engine.Tests.Kernels;

public class FusedKernelsTests
{
    private static float[] Values(int n, int seed)
    {
        var g = new Generator((ulong)seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(g.NextDouble() * 4 - 2);
        return a;
    }

    [Theory]
    [InlineData(GemmPath.Auto)]
    [InlineData(GemmPath.Vector512)]
    [InlineData(GemmPath.Vector256)]
    [InlineData(GemmPath.Scalar)]
    internal void ReluBackwardSelectsTheGradientWherePositiveForEveryLength(GemmPath path)
    {
        var previous = Gemm.ForcedPath;
        Gemm.ForcedPath = path;
        try
        {
            CheckReluBackwardAllLengths();
        }
        finally
        {
            Gemm.ForcedPath = previous;
        }
    }

    private static void CheckReluBackwardAllLengths()
    {
        for (int n = 0; n <= 256; n++)
        {
            var g = Values(n, n);
            var y = Values(n, 1000 + n);
            if (n > 3) { y[1] = 0f; y[2] = float.NaN; g[3] = float.PositiveInfinity; y[3] = -1f; }
            var d = new float[n];
            FusedKernels.ReluBackward(g, y, d);
            for (int i = 0; i < n; i++) d[i].Should().Be(y[i] > 0 ? g[i] : 0f, $"length {n}, index {i}");
        }
    }

    [Fact]
    public void ReluBackwardRejectsMismatchedLengths()
    {
        var act = () => FusedKernels.ReluBackward(new float[3], new float[4], new float[4]);
        act.Should().Throw<ArgumentException>().WithMessage("*lengths 3, 4*");
    }

    [Fact]
    public void ColumnSumsAddEveryRow()
    {
        foreach (int n in new[] { 1, 7, 16, 33 })
        {
            foreach (int rows in new[] { 0, 1, 5 })
            {
                var src = Values(rows * n, n + rows);
                var d = new float[n];
                FusedKernels.ColumnSums(src, d, rows);
                for (int j = 0; j < n; j++)
                {
                    float s = 0;
                    for (int r = 0; r < rows; r++) s += src[r * n + j];
                    d[j].Should().BeApproximately(s, 1e-5f);
                }
            }
        }
    }

    [Fact]
    public void BroadcastRowsCopiesTheRowIntoEveryRow()
    {
        var row = Values(5, 3);
        var d = new float[15];
        FusedKernels.BroadcastRows(row, d, 3);
        for (int i = 0; i < 15; i++) d[i].Should().Be(row[i % 5]);
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.01, false)]
    [InlineData(0.0, true)]
    public void AdamVectorisedStepIsBitIdenticalToTheScalarFormula(double weightDecay, bool maximize)
    {
        for (int n = 0; n <= 67; n++)
        {
            var p = Tensor.FromArray(Values(n, n), n).RequireGrad();
            var opt = new Adam([p], lr: 0.01, weightDecay: weightDecay, maximize: maximize);
            var expected = p.ToArray();
            var m = new float[n];
            var v = new float[n];
            for (int step = 1; step <= 3; step++)
            {
                var grad = Values(n, 500 + 10 * n + step);
                p.Grad = Tensor.FromArray(grad, n);
                opt.Step();
                double bc1 = 1 - Math.Pow(0.9, step), bc2 = 1 - Math.Pow(0.999, step);
                float negStep = (float)-(0.01 / bc1), bc2Sqrt = (float)Math.Sqrt(bc2);
                for (int i = 0; i < n; i++)
                {
                    float gi = maximize ? -grad[i] : grad[i];
                    if (weightDecay != 0) gi += (float)weightDecay * expected[i];
                    m[i] = m[i] * 0.9f + (float)(1 - 0.9) * gi;
                    v[i] = v[i] * 0.999f + (float)(1 - 0.999) * gi * gi;
                    expected[i] = expected[i] + negStep * m[i] / (MathF.Sqrt(v[i]) / bc2Sqrt + 1e-8f);
                }
            }
            p.ToArray().Should().Equal(expected, $"length {n}");
        }
    }

    [Fact]
    public void LinearBackwardWithoutAGraphMatchesTheDifferentiableRoute()
    {
        var gen = new Generator(5);
        var layer = new Linear(7, 5, generator: gen);
        var x = Tensor.Randn(gen, 3, 4, 7).RequireGrad();
        var up = Tensor.Randn(gen, 3, 4, 5);
        var fast = MultiTask.Engine.Differentiation.Autograd.Grad([layer.Forward(x)], [x, layer.Weight, layer.Bias!], [up]);
        var slow = MultiTask.Engine.Differentiation.Autograd.Grad([layer.Forward(x)], [x, layer.Weight, layer.Bias!], [up], createGraph: true);
        for (int i = 0; i < 3; i++)
        {
            fast[i]!.Shape.Should().Equal(slow[i]!.Shape);
            var f = fast[i]!.ToArray();
            var s = slow[i]!.ToArray();
            for (int j = 0; j < f.Length; j++) f[j].Should().BeApproximately(s[j], 1e-5f);
        }
    }

    [Fact]
    public void LeafGradientFromAFusedKernelIsNotSharedWithTheNextBackward()
    {
        var gen = new Generator(9);
        var layer = new Linear(3, 2, generator: gen);
        var x = Tensor.Randn(gen, 4, 3);
        layer.Forward(x).Sum().Backward();
        var first = layer.Weight.Grad!.ToArray();
        var firstGrad = layer.Weight.Grad;
        layer.Forward(x).Sum().Backward();
        layer.Weight.Grad.Should().BeSameAs(firstGrad);
        var second = layer.Weight.Grad!.ToArray();
        for (int i = 0; i < first.Length; i++) second[i].Should().BeApproximately(2 * first[i], 1e-5f);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    public void SoftmaxBackwardWithoutAGraphMatchesTheDifferentiableRoute(int dim)
    {
        var gen = new Generator(11);
        var x = Tensor.Randn(gen, 6, 19).RequireGrad();
        var up = Tensor.Randn(gen, 6, 19);
        var fast = MultiTask.Engine.Differentiation.Autograd.Grad([x.Softmax(dim)], [x], [up])[0]!.ToArray();
        var slow = MultiTask.Engine.Differentiation.Autograd.Grad([x.Softmax(dim)], [x], [up], createGraph: true)[0]!.ToArray();
        for (int j = 0; j < fast.Length; j++) fast[j].Should().BeApproximately(slow[j], 1e-6f);
    }

    [Fact]
    public void SoftmaxBackwardKernelRejectsRowsThatDoNotFit()
    {
        var act = () => FusedKernels.SoftmaxBackwardLastDim(new float[5], new float[5], new float[5], 2);
        act.Should().Throw<ArgumentException>().WithMessage("*rows of 2*");
    }

    [Fact]
    public void GradientsOfATensorUsedByManyLayersAreSummedOnceEach()
    {
        var gen = new Generator(13);
        var trunk = new Linear(4, 6, generator: gen);
        var heads = new[] { new Linear(6, 2, generator: gen), new Linear(6, 2, generator: gen), new Linear(6, 2, generator: gen) };
        var x = Tensor.Randn(gen, 5, 4);
        Tensor Loss()
        {
            var h = trunk.Forward(x).Relu();
            return heads[0].Forward(h).Sum() + heads[1].Forward(h).Square().Sum() + heads[2].Forward(h).Sum() + h.Sum();
        }
        Loss().Backward();
        var fast = trunk.Weight.Grad!.ToArray();
        var slow = MultiTask.Engine.Differentiation.Autograd.Grad([Loss()], [trunk.Weight], createGraph: true)[0]!.ToArray();
        for (int j = 0; j < fast.Length; j++) fast[j].Should().BeApproximately(slow[j], 1e-5f);
        var again = trunk.Weight.Grad!.ToArray();
        again.Should().Equal(fast, "the second call must not write into the first call's gradients");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AGradientForwardedUnchangedToSeveralInputsIsNeverAddedToInPlace(bool sumFirst)
    {
        var gen = new Generator(17);
        var layer = new Linear(3, 4, generator: gen);
        var head = new Linear(4, 2, generator: gen);
        var x = Tensor.Randn(gen, 2, 3);
        var b = Tensor.Randn(gen, 2, 4).RequireGrad();
        Tensor?[] Run(bool createGraph)
        {
            // s = z + b hands its (kernel-made) gradient unchanged to z and b; z then gets a second contribution.
            var z = layer.Forward(x);
            var s = z + b;
            var loss = sumFirst ? z.Sum() + head.Forward(s).Sum() : head.Forward(s).Sum() + z.Sum();
            return MultiTask.Engine.Differentiation.Autograd.Grad([loss], [z, b, layer.Weight], createGraph: createGraph);
        }
        var fast = Run(false);
        var slow = Run(true);
        for (int i = 0; i < 3; i++)
        {
            var f = fast[i]!.ToArray();
            var e = slow[i]!.ToArray();
            for (int j = 0; j < f.Length; j++) f[j].Should().BeApproximately(e[j], 1e-5f, $"gradient {i}");
        }
    }
}
