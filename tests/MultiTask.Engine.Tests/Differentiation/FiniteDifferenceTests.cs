using FluentAssertions;
using MultiTask.Engine.Tensors;
using MultiTask.Engine.Differentiation;

namespace MultiTask.Engine.Tests.Differentiation;

/// <summary>
/// Central finite differences against autograd on composite graphs, first and second order.
/// </summary>
/// <remarks>
/// The engine computes in float32, so each output carries a relative rounding error of about 6e-8.
/// The checked objective is Σ w·f(x) for fixed random weights w, accumulated in float64; with a step
/// of eps = 1e-2 the rounding noise of (f(x+eps) - f(x-eps)) / 2eps is about 3e-6·Σ|w·f| and the
/// truncation error about eps²·|f'''|/6 ≈ 2e-5·|f'''|, so a tolerance of 2e-3 + 1e-2·|grad| leaves
/// a wide margin while still catching any wrong rule (which is off by O(1)). Inputs are kept at
/// least 2·eps away from kinks (relu, abs, clamp bounds, ties of max/maximum).
/// </remarks>
public class FiniteDifferenceTests
{
    private const double Eps = 1e-2;
    private const double Rtol = 1e-2;
    private const double Atol = 2e-3;

    /// <summary>Checks autograd's gradient of Σ w·f(inputs) against central differences for every input element.</summary>
    /// <param name="f">The function; it may return a tensor of any shape.</param>
    /// <param name="inputs">The points at which to differentiate (not modified).</param>
    /// <param name="evaluateWithGrad">Evaluate f with gradient recording on (needed when f itself calls Autograd.Grad).</param>
    private static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, bool evaluateWithGrad = false, ulong seed = 7)
    {
        var leaves = inputs.Select(x => Tensor.FromArray(x.ToArray(), [.. x.Shape]).RequireGrad()).ToArray();
        var output = f(leaves);
        var weights = Tensor.Randn(new Generator(seed), [.. output.Shape]);
        var analytic = Autograd.Grad([output], leaves, [weights], allowUnused: true);

        for (int i = 0; i < inputs.Length; i++)
        {
            var expectedGrad = analytic[i]?.ToArray() ?? new float[inputs[i].Numel];
            for (int j = 0; j < inputs[i].Numel; j++)
            {
                double plus = Evaluate(f, inputs, i, j, +Eps, weights, evaluateWithGrad);
                double minus = Evaluate(f, inputs, i, j, -Eps, weights, evaluateWithGrad);
                double numeric = (plus - minus) / (2 * Eps);
                double ad = expectedGrad[j];
                Math.Abs(numeric - ad).Should().BeLessThanOrEqualTo(Atol + Rtol * Math.Abs(ad),
                    $"d/d(input {i})[{j}]: autograd {ad}, finite difference {numeric}");
            }
        }
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, Tensor[] inputs, int which, int element, double delta, Tensor weights, bool withGrad)
    {
        var copies = inputs.Select(x => Tensor.FromArray(x.ToArray(), [.. x.Shape])).ToArray();
        copies[which].AsSpan()[element] += (float)delta;
        Tensor output;
        if (withGrad)
        {
            foreach (var c in copies) c.RequiresGrad = true;
            output = f(copies);
        }
        else
        {
            using (Autograd.NoGrad()) output = f(copies);
        }
        var o = output.ToArray();
        var w = weights.ToArray();
        double sum = 0;
        for (int k = 0; k < o.Length; k++) sum += (double)w[k] * o[k];
        return sum;
    }

    private static Tensor Randn(ulong seed, params int[] shape) => Tensor.Randn(new Generator(seed), shape);

    /// <summary>Values in ±[0.3, 1.5] with random signs: away from 0 for abs, relu, sign-dependent rules.</summary>
    private static Tensor AwayFromZero(ulong seed, params int[] shape)
    {
        var g = new Generator(seed);
        var t = Tensor.Zeros(shape);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = (0.3f + 1.2f * g.NextSingle()) * (g.NextSingle() < 0.5f ? -1f : 1f);
        return t;
    }

    [Fact]
    public void MlpChain_MatMulAddGeluLogSumExp()
    {
        Check(x => (x[0].MatMul(x[1]) + x[2]).Gelu().LogSumExp(-1),
            [Randn(1, 4, 3), Randn(2, 3, 5), Randn(3, 5)]);
    }

    [Fact]
    public void MlpChain_WithTanhGeluSiluElu_AndBatchedBroadcastMatMul()
    {
        Check(x =>
        {
            var h = x[0].MatMul(x[1]);                          // [2,4,3] @ [3,5] -> [2,4,5]
            var a = h.Gelu(tanhApproximation: true) + h.Silu() * 0.5f + h.Elu(0.7f) * 0.3f;
            return a.Tanh().MatMul(x[2]).Sum(1);               // [2,4,5] @ [5] -> [2,4] -> [2]
        }, [Randn(4, 2, 4, 3), Randn(5, 3, 5), Randn(6, 5)]);
    }

    [Fact]
    public void CrossEntropy_FromSoftmaxLogAndGather()
    {
        var targets = Tensor.FromArray([2f, 0f, 4f, 1f], 4, 1);
        Check(x => -x[0].Softmax(-1).Log().Gather(1, targets).Mean(), [Randn(8, 4, 5)]);
        Check(x => -x[0].LogSoftmax(1).Gather(1, targets).Sum(), [Randn(9, 4, 5)]);
    }

    [Fact]
    public void SoftmaxOverMiddleDim_AndSigmoidSoftplusChain()
    {
        Check(x => x[0].Softmax(1) * x[0].Sigmoid() + x[0].Softplus(2f, 3f), [Randn(10, 2, 3, 4)]);
    }

    [Fact]
    public void NormVarStdComposites()
    {
        Check(x => x[0].Norm(2f, [1]) * x[0].Var([0]).Sum() + x[0].Std(correction: 0), [Randn(11, 3, 4)]);
        Check(x => x[0].Norm(3f, [0], keepDim: true) + x[0].Norm(1f) + x[0].Norm(1.5f, [1], keepDim: true), [AwayFromZero(12, 3, 4)]);
        Check(x => (x[0] - x[0].Mean([1], keepDim: true)) / (x[0].Std([1], keepDim: true) + 1e-3f), [Randn(13, 3, 5)]);
    }

    [Fact]
    public void WhereClampMaximumChains()
    {
        // Values sit at least 0.05 from the clamp bounds (±0.5, 1.2) and from each other.
        var a = Tensor.FromArray([-1.2f, -0.3f, 0.1f, 0.8f, 1.5f, -0.7f, 0.35f, 2.0f], 2, 4);
        var b = Tensor.FromArray([0.4f, -0.9f, 0.6f, 0.2f, -1.0f, 1.1f, -0.2f, 0.9f], 2, 4);
        Check(x =>
        {
            var m = x[0].Maximum(x[1]) + x[0].Minimum(x[1] * 2f);
            var c = x[0].Clamp(-0.5f, 1.2f) * x[1].ClampMin(-0.5f) + x[1].ClampMax(0.5f);
            return Tensor.Where(x[0].Gt(0f), m * c, (x[1] - m).Exp()).MaskedFill(x[1].Lt(-0.95f), 3f);
        }, [a, b]);
    }

    [Fact]
    public void ElementwiseMathChain()
    {
        var pos = Tensor.FromArray([0.6f, 1.1f, 1.7f, 0.9f, 2.3f, 0.5f], 2, 3);
        Check(x => x[0].Sqrt() + x[0].Rsqrt() * x[1] + x[0].Log1p() + x[1].Expm1() + x[0].Reciprocal()
                   + x[1].Square() + x[1].Abs() + x[0].Pow(x[1]) + x[0].Pow(-1.5f) + x[1].Pow(3f) + x[1].LeakyRelu(0.1f)
                   + x[1].Relu() * x[0].Log() + x[1].Erf(),
            [pos, AwayFromZero(14, 2, 3)]);
    }

    [Fact]
    public void ReductionsAndIndexing()
    {
        var distinct = Tensor.FromArray([0.1f, 1.4f, -0.8f, 0.6f, -1.9f, 2.2f, 0.9f, -0.4f, 1.7f, -1.3f, 0.3f, 2.8f], 3, 4);
        Check(x =>
        {
            var (values, _) = x[0].Max(1);
            var (mins, _) = x[0].Min(0, keepDim: true);
            var picked = x[0].IndexSelect(1, [3, 0, 3]).Narrow(0, 1, 2);
            var joined = Tensor.Cat([picked, x[0].Slice(1, -2, 4).Rows(0, 2)], 1);  // [2,5]
            var stacked = Tensor.Stack([values, x[0].Amax([1]), x[0].Amin([1])], -1); // [3,3]
            return joined.Sum() + stacked.Square().Sum(0) * mins.Sum() + x[0].Max() * x[0].Min()
                   + x[0].LogSumExp([0, 1]) + x[0].Transpose(0, 1).Reshape(2, 6).Permute(1, 0).Exp().Mean([0]).Sum();
        }, [distinct]);
    }

    [Fact]
    public void SecondDerivative_OfSumTanhTimesX_MatchesClosedForm_AndFiniteDifferences()
    {
        var x = Tensor.FromArray([-1.5f, -0.4f, 0f, 0.7f, 2f]).RequireGrad();
        var g = Autograd.Grad((x.Tanh() * x).Sum(), [x], createGraph: true)[0]!;
        var h = Autograd.Grad(g.Sum(), [x])[0]!.ToArray();
        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            double sech2 = 1 / Math.Pow(Math.Cosh(xs[i]), 2);
            double expected = 2 * sech2 * (1 - xs[i] * Math.Tanh(xs[i]));
            h[i].Should().BeApproximately((float)expected, 1e-5f, $"d²/dx² at x = {xs[i]}");
        }

        Check(v => Autograd.Grad((v[0].Tanh() * v[0]).Sum(), [v[0]], createGraph: true)[0]!, [Randn(15, 5)], evaluateWithGrad: true);
    }

    [Fact]
    public void SecondDerivative_OfGradientNormPenalty()
    {
        // GradNorm-like: the penalty is a function of the gradient of a task loss w.r.t. shared weights.
        var input = Randn(16, 5, 3);
        Check(v =>
        {
            var w = v[0];
            var loss = input.MatMul(w).Gelu().Square().Mean() + input.MatMul(w).Softplus().LogSumExp([1]).Mean();
            var g = Autograd.Grad(loss, [w], createGraph: true)[0]!;
            return (g.Norm() - 1f).Square();
        }, [Randn(17, 3, 4)], evaluateWithGrad: true);
    }

    [Fact]
    public void SecondDerivatives_ThroughActivationsReductionsAndIndexing()
    {
        var targets = Tensor.FromArray([1f, 0f, 3f], 3, 1);
        Check(v =>
        {
            var x = v[0];
            var f = x.Softplus() * x.Sigmoid() + x.Softmax(-1).Square() + x.Gelu() + x.Silu() + x.Elu() * 0.5f
                    + x.Gelu(tanhApproximation: true) + x.Exp().Log1p();
            var loss = f.Sum() + x.LogSumExp([1]).Sum() + x.Var([1]).Sum() + x.Norm() - x.LogSoftmax(1).Gather(1, targets).Sum()
                       + Tensor.Cat([x.Narrow(1, 0, 2), x.IndexSelect(1, [3, 3])], 1).Pow(3f).Sum() + x.Max(1).Values.Sum();
            return Autograd.Grad(loss, [x], createGraph: true)[0]!;
        }, [Tensor.FromArray([-0.9f, 0.4f, 1.3f, -0.2f, -1.1f, 0.25f, -0.6f, 0.8f, 0.5f, -1.4f, 0.95f, 0.15f], 3, 4)], evaluateWithGrad: true);
    }

    [Fact]
    public void SecondDerivative_OfMatMulPowAndDivision()
    {
        Check(v =>
        {
            var (a, b) = (v[0], v[1]);
            var loss = (a.MatMul(b).Tanh() / (b.Square().Sum() + 1f)).Sum() + a.Pow(b.Narrow(1, 0, 3).T.Abs()).Sum();
            var grads = Autograd.Grad(loss, [a, b], createGraph: true);
            return grads[0]!.Sum() * 0.5f + grads[1]!.Square().Sum();
        }, [Tensor.FromArray([0.6f, 1.1f, 1.7f, 0.9f, 2.3f, 0.5f], 3, 2), AwayFromZero(19, 2, 4)], evaluateWithGrad: true);
    }
}
