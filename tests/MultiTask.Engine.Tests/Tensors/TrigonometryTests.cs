using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Tests.Tensors;

/// <summary>Sin and Cos: values against double-precision Math, gradients against central differences and the closed forms.</summary>
public class TrigonometryTests
{
    [Fact]
    public void Values_MatchDoublePrecision_OverEveryLengthAndWideArguments()
    {
        var g = new Generator(1);
        for (int n = 0; n <= 70; n++)
        {
            // Arguments up to ±20 rad exercise the range reduction, not only the first period.
            var x = Tensor.Rand(g, n) * 40f - 20f;
            var sin = x.Sin().ToArray();
            var cos = x.Cos().ToArray();
            var xs = x.ToArray();
            for (int i = 0; i < n; i++)
            {
                sin[i].Should().BeApproximately((float)Math.Sin(xs[i]), 2e-6f, $"sin({xs[i]}) at length {n}");
                cos[i].Should().BeApproximately((float)Math.Cos(xs[i]), 2e-6f, $"cos({xs[i]}) at length {n}");
            }
        }
    }

    [Fact]
    public void FirstDerivatives_AreCosAndMinusSin()
    {
        var x = Tensor.FromArray([-2.5f, -0.3f, 0f, 0.7f, 1.9f, 4f]).RequireGrad();

        var dsin = Autograd.Grad(x.Sin().Sum(), [x])[0]!.ToArray();
        var dcos = Autograd.Grad(x.Cos().Sum(), [x])[0]!.ToArray();

        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            dsin[i].Should().BeApproximately((float)Math.Cos(xs[i]), 1e-6f);
            dcos[i].Should().BeApproximately((float)-Math.Sin(xs[i]), 1e-6f);
        }
    }

    [Fact]
    public void CompositeGradient_MatchesCentralDifferences()
    {
        // f(x, c) = Σ w·(sin(2π·c·x) + x·cos(c·x)): the shape of a periodic embedding, both arguments differentiated.
        var x0 = Tensor.FromArray([0.4f, -1.1f, 0.9f], 3, 1);
        var c0 = Tensor.FromArray([0.3f, -0.2f, 0.15f, 0.5f], 1, 4);
        var w = Tensor.Randn(new Generator(2), 3, 4);
        Tensor F(Tensor x, Tensor c) => ((x * c * (2f * MathF.PI)).Sin() + x * (x * c).Cos()) * w;

        var x = Tensor.FromArray(x0.ToArray(), 3, 1).RequireGrad();
        var c = Tensor.FromArray(c0.ToArray(), 1, 4).RequireGrad();
        var grads = Autograd.Grad(F(x, c).Sum(), [x, c]);

        const double eps = 1e-2;
        var inputs = new[] { x0, c0 };
        for (int which = 0; which < 2; which++)
        {
            var analytic = grads[which]!.ToArray();
            for (int j = 0; j < inputs[which].Numel; j++)
            {
                double Evaluate(double delta)
                {
                    var copies = inputs.Select(t => Tensor.FromArray(t.ToArray(), [.. t.Shape])).ToArray();
                    copies[which].AsSpan()[j] += (float)delta;
                    using (Autograd.NoGrad()) return F(copies[0], copies[1]).ToArray().Sum(v => (double)v);
                }
                double numeric = (Evaluate(eps) - Evaluate(-eps)) / (2 * eps);
                Math.Abs(numeric - analytic[j]).Should().BeLessThan(2e-3 + 1e-2 * Math.Abs(analytic[j]),
                    $"d/d(input {which})[{j}]: autograd {analytic[j]}, finite difference {numeric}");
            }
        }
    }

    [Fact]
    public void SecondDerivatives_AreMinusSinAndMinusCos()
    {
        var x = Tensor.FromArray([-1.2f, 0.5f, 2.2f]).RequireGrad();

        var dsin = Autograd.Grad(x.Sin().Sum(), [x], createGraph: true)[0]!;
        var d2sin = Autograd.Grad(dsin.Sum(), [x])[0]!.ToArray();
        var dcos = Autograd.Grad(x.Cos().Sum(), [x], createGraph: true)[0]!;
        var d2cos = Autograd.Grad(dcos.Sum(), [x])[0]!.ToArray();

        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            d2sin[i].Should().BeApproximately((float)-Math.Sin(xs[i]), 1e-6f);
            d2cos[i].Should().BeApproximately((float)-Math.Cos(xs[i]), 1e-6f);
        }
    }
}
