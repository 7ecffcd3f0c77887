using FluentAssertions;
using MultiTask.Data;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Data;

public class FittedTargetTransformTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(2.0)]
    [InlineData(0.5)]
    [InlineData(-1.3)]
    [InlineData(3.7)]
    public void YeoJohnson_inverse_is_exact_on_both_signs(double lambda)
    {
        foreach (double y in new[] { -50.0, -3.2, -1e-3, 0.0, 1e-3, 0.7, 12.0, 2.5e5 })
        {
            double z = FittedTargetTransform.YeoJohnson(y, lambda);
            Math.Sign(z).Should().Be(Math.Sign(y), "ψ keeps the sign of y");
            FittedTargetTransform.InverseYeoJohnson(z, lambda).Should().BeApproximately(y, 1e-9 * Math.Max(1, Math.Abs(y)));
        }
    }

    [Fact]
    public void YeoJohnson_matches_the_defining_formula()
    {
        FittedTargetTransform.YeoJohnson(3, 0.5).Should().BeApproximately((Math.Sqrt(4) - 1) / 0.5, 1e-12);
        FittedTargetTransform.YeoJohnson(3, 0).Should().BeApproximately(Math.Log(4), 1e-12);
        FittedTargetTransform.YeoJohnson(-3, 0.5).Should().BeApproximately(-(Math.Pow(4, 1.5) - 1) / 1.5, 1e-12);
        FittedTargetTransform.YeoJohnson(-3, 2).Should().BeApproximately(-Math.Log(4), 1e-12);
        FittedTargetTransform.YeoJohnson(-3, 1).Should().Be(-3, "λ = 1 is the identity");
        FittedTargetTransform.YeoJohnson(3, 1).Should().Be(3);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2, 3, 5, 8, 13, 21, 34, 55, 89 }, -0.07690176524521838)]
    [InlineData(new[] { -3.2, -1, 0, 0.5, 2, 4.5, 7, 12, 30 }, 0.4676032214715786)]
    public void Lambda_is_the_maximum_likelihood_estimate(double[] y, double expected)
    {
        // Reference: the profile likelihood maximised by a 0.001 grid and a ternary search, computed independently.
        double lambda = FittedTargetTransform.FitYeoJohnsonLambda(y);
        lambda.Should().BeApproximately(expected, 1e-5);
        double best = FittedTargetTransform.YeoJohnsonLogLikelihood(y, lambda);
        foreach (double d in new[] { -0.5, -0.01, 0.01, 0.5 })
            FittedTargetTransform.YeoJohnsonLogLikelihood(y, lambda + d).Should().BeLessThan(best);
    }

    [Fact]
    public void Lambda_recovers_known_normalising_powers()
    {
        var g = new Generator(5);
        // log(y + 1) is normal, so λ = 0 normalises; a normal sample is already normal, so λ = 1.
        var logNormal = Enumerable.Range(0, 4000).Select(_ => Math.Exp(5 + g.NextNormal()) - 1).ToArray();
        var normal = Enumerable.Range(0, 2000).Select(_ => 3 * g.NextNormal()).ToArray();
        FittedTargetTransform.FitYeoJohnsonLambda(logNormal).Should().BeApproximately(0, 0.05);
        FittedTargetTransform.FitYeoJohnsonLambda(normal).Should().BeApproximately(1, 0.1);
        FittedTargetTransform.FitYeoJohnsonLambda([4.0, 4.0, 4.0]).Should().Be(1, "constant labels: identity");
    }
}
