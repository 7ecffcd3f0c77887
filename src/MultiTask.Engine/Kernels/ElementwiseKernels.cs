using System.Numerics.Tensors;
using MultiTask.Engine.Tensors;
using Tensor = MultiTask.Engine.Tensors.Tensor;

namespace MultiTask.Engine.Kernels;

/// <summary>An element-wise unary operation on one float.</summary>
internal interface IUnaryOperator
{
    static abstract float Invoke(float x);
}

/// <summary>Comparisons: 1 when the relation holds, else 0 (NaN compares false except for Ne, as in IEEE).</summary>
internal readonly struct EqualOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x == y ? 1f : 0f;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] == y[i] ? 1f : 0f; }
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] == y ? 1f : 0f; }
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x == y[i] ? 1f : 0f; }
}

internal readonly struct NotEqualOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x != y ? 1f : 0f;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] != y[i] ? 1f : 0f; }
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] != y ? 1f : 0f; }
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x != y[i] ? 1f : 0f; }
}

internal readonly struct GreaterOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x > y ? 1f : 0f;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] > y[i] ? 1f : 0f; }
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] > y ? 1f : 0f; }
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x > y[i] ? 1f : 0f; }
}

internal readonly struct GreaterEqualOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x >= y ? 1f : 0f;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] >= y[i] ? 1f : 0f; }
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] >= y ? 1f : 0f; }
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x >= y[i] ? 1f : 0f; }
}

internal readonly struct LessOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x < y ? 1f : 0f;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] < y[i] ? 1f : 0f; }
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] < y ? 1f : 0f; }
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x < y[i] ? 1f : 0f; }
}

internal readonly struct LessEqualOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x <= y ? 1f : 0f;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] <= y[i] ? 1f : 0f; }
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] <= y ? 1f : 0f; }
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x <= y[i] ? 1f : 0f; }
}

/// <summary>Element-wise maximum that propagates NaN (PyTorch's <c>maximum</c>).</summary>
internal readonly struct MaximumOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => MathF.Max(x, y);
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Max(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(y, x, d);
}

/// <summary>Element-wise minimum that propagates NaN (PyTorch's <c>minimum</c>).</summary>
internal readonly struct MinimumOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => MathF.Min(x, y);
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Min(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(y, x, d);
}

internal readonly struct PowOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => MathF.Pow(x, y);
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = MathF.Pow(x[i], y[i]); }
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = MathF.Pow(x[i], y); }
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = MathF.Pow(x, y[i]); }
}

internal readonly struct SignOperator : IUnaryOperator
{
    public static float Invoke(float x) => x > 0f ? 1f : x < 0f ? -1f : x; // keeps ±0 and NaN, as PyTorch
}

internal readonly struct IsNanOperator : IUnaryOperator
{
    public static float Invoke(float x) => float.IsNaN(x) ? 1f : 0f;
}

internal readonly struct IsFiniteOperator : IUnaryOperator
{
    public static float Invoke(float x) => float.IsFinite(x) ? 1f : 0f;
}

internal readonly struct IsInfOperator : IUnaryOperator
{
    public static float Invoke(float x) => float.IsInfinity(x) ? 1f : 0f;
}

internal readonly struct ErfOperator : IUnaryOperator
{
    public static float Invoke(float x) => (float)SpecialFunctions.Erf(x);
}

internal readonly struct GeluOperator : IUnaryOperator
{
    // 0.5·x·erfc(-x/√2) rather than 0.5·x·(1 + erf(x/√2)) keeps full relative accuracy for negative x.
    public static float Invoke(float x) => (float)(0.5 * x * SpecialFunctions.Erfc(-x * 0.70710678118654752440));
}

internal readonly struct GeluTanhOperator : IUnaryOperator
{
    public static float Invoke(float x)
    {
        double v = x;
        return (float)(0.5 * v * (1.0 + Math.Tanh(0.79788456080286535588 * (v + 0.044715 * v * v * v))));
    }
}

internal readonly struct SiluOperator : IUnaryOperator
{
    public static float Invoke(float x) => (float)(x / (1.0 + Math.Exp(-(double)x)));
}

/// <summary>Element-wise kernels that <see cref="TensorPrimitives"/> does not provide.</summary>
internal static class ElementwiseKernels
{
    public static void Map<TOp>(ReadOnlySpan<float> x, Span<float> destination) where TOp : IUnaryOperator
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = TOp.Invoke(x[i]);
    }

    public static void LeakyRelu(ReadOnlySpan<float> x, float slope, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = x[i] > 0f ? x[i] : x[i] * slope;
    }

    public static void Elu(ReadOnlySpan<float> x, float alpha, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = x[i] > 0f ? x[i] : (float)(alpha * double.ExpM1(x[i]));
    }

    public static void Softplus(ReadOnlySpan<float> x, float beta, float threshold, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++)
        {
            float bx = x[i] * beta;
            d[i] = bx > threshold ? x[i] : (float)(double.LogP1(Math.Exp(bx)) / beta);
        }
    }

    public static void Clamp(ReadOnlySpan<float> x, float min, float max, Span<float> d)
    {
        // NaN inputs stay NaN; min wins when min > max, as in PyTorch.
        for (int i = 0; i < d.Length; i++)
        {
            float v = x[i];
            if (v < min) v = min;
            if (v > max) v = max;
            d[i] = max < min ? max : v;
        }
    }

    /// <summary>condition ? x : y with three-way broadcasting.</summary>
    public static float[] Where(Tensor condition, Tensor x, Tensor y, out int[] outShape)
    {
        outShape = ShapeUtil.Broadcast(ShapeUtil.Broadcast(condition.ShapeArray, x.ShapeArray), y.ShapeArray);
        var result = new float[ShapeUtil.Numel(outShape)];
        if (result.Length == 0) return result;
        var c = condition.Data; var a = x.Data; var b = y.Data;
        var cs = ShapeUtil.BroadcastStrides(condition.ShapeArray, outShape);
        var xs = ShapeUtil.BroadcastStrides(x.ShapeArray, outShape);
        var ys = ShapeUtil.BroadcastStrides(y.ShapeArray, outShape);
        int rank = outShape.Length;
        var index = new int[rank];
        int co = 0, xo = 0, yo = 0;
        for (int o = 0; o < result.Length; o++)
        {
            result[o] = c[co] != 0f ? a[xo] : b[yo];
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                co += cs[d]; xo += xs[d]; yo += ys[d];
                if (index[d] < outShape[d]) break;
                co -= cs[d] * outShape[d]; xo -= xs[d] * outShape[d]; yo -= ys[d] * outShape[d];
                index[d] = 0;
            }
        }
        return result;
    }
}

/// <summary>Special functions evaluated in double precision.</summary>
internal static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.12837916709551257390;
    private const double OneOverSqrtPi = 0.56418958354775628695;

    /// <summary>The error function, accurate to about 1e-14 relative.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double ax = Math.Abs(x);
        if (ax < 2.5) return ErfSeries(x);
        double r = 1.0 - ErfcContinuedFraction(ax);
        return x < 0 ? -r : r;
    }

    /// <summary>The complementary error function 1 - erf(x), accurate in both tails.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < 0.5) return 1.0 - Erf(x);
        if (x < 2.5) return 1.0 - ErfSeries(x);
        return ErfcContinuedFraction(x);
    }

    private static double ErfSeries(double x)
    {
        // erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)); below 2.5 the cancellation costs < 4 digits.
        double x2 = x * x, term = x, sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
        }
        return TwoOverSqrtPi * sum;
    }

    private static double ErfcContinuedFraction(double x)
    {
        if (x > 27) return 0.0;
        // erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), by the modified Lentz method.
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 500; n++)
        {
            double a = n * 0.5;
            d = x + a * d;
            if (d == 0) d = tiny;
            c = x + a / c;
            if (c == 0) c = tiny;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16) break;
        }
        return Math.Exp(-x * x) * OneOverSqrtPi / f;
    }
}
