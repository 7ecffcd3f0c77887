using FluentAssertions;
using MultiTask.Architectures;
using MultiTask.Engine.NN;
using MultiTask.Engine.Tensors;

namespace MultiTask.Tests.Architectures;

internal static class ArchitectureTestUtil
{
    public static readonly (string Name, int OutputSize)[] HouseAndApartment = [("house", 1), ("apartment", 2)];

    public static Dictionary<string, float[]> Snapshot(Module module) =>
        module.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ToArray());

    /// <summary>Asserts that shared and per-task parameters partition the model's parameters exactly.</summary>
    public static void ShouldPartitionParameters(MultiTaskModel model)
    {
        var all = model.NamedParameters().ToList();
        var parts = model.NamedSharedParameters().Concat(model.TaskNames.SelectMany(model.NamedTaskParameters)).ToList();

        parts.Select(p => p.Key).Should().OnlyHaveUniqueItems();
        parts.Select(p => p.Key).Should().BeEquivalentTo(all.Select(p => p.Key));
        foreach (var (name, p) in parts)
            p.Should().BeSameAs(all.Single(a => a.Key == name).Value);
    }

    /// <summary>A fixed linear map without bias, for hand-checkable stages.</summary>
    public static Linear Fixed(float[,] weight)
    {
        var linear = new Linear(weight.GetLength(1), weight.GetLength(0), bias: false);
        Tensor.FromArray(weight).AsSpan().CopyTo(linear.Weight.AsSpan());
        return linear;
    }
}

/// <summary>A user head predicting a mean and a log-variance ([B, 2]), as for Gaussian negative log-likelihood.</summary>
internal sealed class GaussianHead : Module<Tensor, Tensor>
{
    private readonly Linear _mean;
    private readonly Linear _logVariance;

    public GaussianHead(int inputSize, Generator generator)
    {
        _mean = Register("mean", new Linear(inputSize, 1, generator: generator));
        _logVariance = Register("log_variance", new Linear(inputSize, 1, generator: generator));
    }

    public override Tensor Forward(Tensor input) => Tensor.Cat([_mean.Forward(input), _logVariance.Forward(input)], 1);
}
