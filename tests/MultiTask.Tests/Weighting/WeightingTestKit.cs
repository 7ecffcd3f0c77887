using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

/// <summary>
/// A tiny "model": a shared vector θ = (1, 2) and one task-specific scalar head hᵢ per task, with
/// losses simple enough to differentiate by hand.
/// </summary>
internal sealed class TinyModel
{
    public TinyModel(int tasks, float[]? theta = null)
    {
        Theta = new Parameter(Tensor.FromArray(theta ?? [1f, 2f], 2));
        Heads = [.. Enumerable.Range(0, tasks).Select(i => new Parameter(Tensor.Scalar(1f + 0.5f * i)))];
    }

    public Parameter Theta { get; }

    public Parameter[] Heads { get; }

    public static string[] Names(int tasks) => [.. Enumerable.Range(1, tasks).Select(i => $"t{i}")];

    public WeightingContext Context(params string[] names) => new(names, [Theta]);

    /// <summary>Lᵢ = (θ·aᵢ)²: ∇θ Lᵢ = 2(θ·aᵢ)aᵢ.</summary>
    public Tensor Square(float a0, float a1) => Theta.Dot(Tensor.FromArray([a0, a1], 2)).Square();

    /// <summary>Lᵢ = θ·gᵢ + hᵢ²: ∇θ Lᵢ = gᵢ exactly, ∇hᵢ Lᵢ = 2hᵢ.</summary>
    public Tensor Linear(int task, float g0, float g1) => Theta.Dot(Tensor.FromArray([g0, g1], 2)) + Heads[task].Square();

    /// <summary>A loss that involves both θ and task i's head, for comparisons that need no hand calculation.</summary>
    public Tensor Mixed(int task)
    {
        var a = Tensor.FromArray([1f + task, task % 2 == 0 ? -1f : 2f], 2);
        return (Heads[task] * Theta.Dot(a) - (3f - task)).Square();
    }

    public void ZeroGrad()
    {
        Theta.Grad = null;
        foreach (var h in Heads) h.Grad = null;
    }
}

internal static class Expect
{
    public static void Close(Tensor? actual, params double[] expected)
    {
        actual.Should().NotBeNull();
        var values = actual!.ToArray();
        values.Should().HaveCount(expected.Length);
        for (int i = 0; i < expected.Length; i++)
            ((double)values[i]).Should().BeApproximately(expected[i], 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"element {i}");
    }

    public static void Close(IReadOnlyList<double> actual, params double[] expected)
    {
        actual.Should().HaveCount(expected.Length);
        for (int i = 0; i < expected.Length; i++)
            actual[i].Should().BeApproximately(expected[i], 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"element {i}");
    }

    public static void Close(double actual, double expected) =>
        actual.Should().BeApproximately(expected, 1e-5 * Math.Max(1, Math.Abs(expected)));
}
