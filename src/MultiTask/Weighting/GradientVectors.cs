using System.Numerics.Tensors;

namespace MultiTask.Weighting;

/// <summary>Arithmetic on flattened gradients, accumulated in double so that projections of long vectors stay exact enough.</summary>
internal static class GradientVectors
{
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    public static double SquaredNorm(ReadOnlySpan<float> a) => Dot(a, a);

    /// <summary>a ← a + alpha·b.</summary>
    public static void AddScaled(Span<float> a, double alpha, ReadOnlySpan<float> b)
    {
        for (int i = 0; i < a.Length; i++) a[i] = (float)(a[i] + alpha * b[i]);
    }

    public static void Add(Span<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Add(a, b, a);
}
