using FluentAssertions;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;
using MultiTask.Weighting;

namespace MultiTask.Tests.Weighting;

public class RlwTests
{
    [Fact]
    public void Backward_WeightsAreTheSoftmaxOfStandardNormalDraws_FromTheSeed()
    {
        var losses = new[] { 2f, 5f, 3f }.Select(v => new Parameter(Tensor.Scalar(v))).ToArray();
        var ctx = new WeightingContext(["a", "b", "c"], []);
        var reference = new Generator(42);

        var weighting = new Rlw(seed: 42);
        for (int step = 0; step < 3; step++)
        {
            foreach (var l in losses) l.Grad = null;
            var result = weighting.Backward(losses, ctx);

            double[] z = [reference.NextNormal(), reference.NextNormal(), reference.NextNormal()];
            double sum = z.Sum(Math.Exp);
            double[] expected = [.. z.Select(v => Math.Exp(v) / sum)];
            Expect.Close(result.Weights, expected);
            Expect.Close(result.Objective, 2 * expected[0] + 5 * expected[1] + 3 * expected[2]);
            for (int i = 0; i < 3; i++) Expect.Close(losses[i].Grad, expected[i]);
        }
    }

    [Fact]
    public void Backward_AbsentTask_StillConsumesItsDraw_AndTheOthersShareTheSoftmax()
    {
        var losses = new[] { 2f, 3f }.Select(v => new Parameter(Tensor.Scalar(v))).ToArray();
        var ctx = new WeightingContext(["a", "b", "c"], []);
        var reference = new Generator(7);

        var result = new Rlw(seed: 7).Backward([losses[0], null, losses[1]], ctx);

        double z0 = reference.NextNormal();
        reference.NextNormal();
        double z2 = reference.NextNormal();
        double w0 = Math.Exp(z0) / (Math.Exp(z0) + Math.Exp(z2));
        Expect.Close(result.Weights, w0, 0, 1 - w0);
    }

    [Fact]
    public void WithoutASeed_TheStreamComesFromTheContextSeed()
    {
        double[] Weights(ulong contextSeed)
        {
            var ctx = new WeightingContext(["a", "b"], []) { Seed = contextSeed };
            return [.. new Rlw().Backward([new Parameter(Tensor.Scalar(1f)), new Parameter(Tensor.Scalar(1f))], ctx).Weights];
        }

        Weights(5).Should().Equal(Weights(5));
        Weights(5).Should().NotEqual(Weights(6));
    }
}
